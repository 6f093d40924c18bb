"""Who may do what: every API route and method, as four users.

The routes are walked from the URL resolver, so a new endpoint fails
`test_every_route_is_in_the_matrix` until someone decides who may use it.

- anonymous: reads everything; every write is 401;
- authenticated without permissions: reads everything; every write is 403;
- an editor (the "Editors" group of `manage.py create_editor`): reads, and
  writes get past the permission check (2xx, or 400/409 for what the rules
  refuse);
- staff (a superuser): the same as an editor, and the only one the admin lets in.
"""

from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from actors.factories import ActorRelationFactory
from editorial.management.commands.create_editor import editors_group
from sources.factories import SourceTextFactory
from tests.helpers import documented_transfer, pending_candidate, token_client
from transfers.factories import ContradictionFactory, PackageFactory, ValueFactory
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

USERS = ["anonymous", "no_permissions", "editor", "staff"]
SAFE = {"get", "head", "options"}
WRITE_ALLOWED = {200, 201, 204, 400, 409}


@dataclass(frozen=True)
class Route:
    #: What the URL's `pk` is: None for routes without one.
    target: str | None = None
    #: A login or logout form: anyone may POST to it (no data is written
    #: but a token or a session for the one who proves who they are).
    login: bool = False
    #: Revokes the token the request is sent with: only a token holder may,
    #: for any method (anonymous is 401 even for OPTIONS).
    revokes_token: bool = False
    #: Methods the route has on its viewset but refuses to all (405): a stored
    #: text is never changed or deleted, a candidate is corrected with PATCH.
    not_allowed: frozenset[str] = frozenset()


MATRIX = {
    "api:api-root": Route(),
    "api:actor-list": Route(),
    "api:actor-detail": Route("actor"),
    "api:actor-history": Route("actor"),
    "api:actor-profile": Route("actor"),
    "api:actorrelation-list": Route(),
    "api:actorrelation-detail": Route("actorrelation"),
    "api:actorrelation-history": Route("actorrelation"),
    "api:system-list": Route(),
    "api:system-detail": Route("system"),
    "api:system-history": Route("system"),
    "api:transfer-list": Route(),
    "api:transfer-detail": Route("transfer"),
    "api:transfer-history": Route("transfer"),
    "api:transfer-restore": Route("deleted_transfer"),
    "api:statusevent-list": Route(),
    "api:statusevent-detail": Route("statusevent"),
    "api:statusevent-history": Route("statusevent"),
    "api:source-list": Route(),
    "api:source-detail": Route("source"),
    "api:source-history": Route("source"),
    "api:sourcetext-list": Route(),
    "api:sourcetext-detail": Route("sourcetext", not_allowed=frozenset({"put", "patch", "delete"})),
    "api:sourcetext-history": Route("sourcetext"),
    "api:candidate-list": Route(),
    "api:candidate-detail": Route("candidate", not_allowed=frozenset({"put"})),
    "api:candidate-accept": Route("candidate"),
    "api:candidate-reject": Route("candidate"),
    "api:source-candidates": Route("source"),
    "api:citation-list": Route(),
    "api:citation-detail": Route("citation"),
    "api:citation-history": Route("citation"),
    "api:package-list": Route(),
    "api:package-detail": Route("package"),
    "api:package-history": Route("package"),
    "api:value-list": Route(),
    "api:value-detail": Route("value"),
    "api:value-history": Route("value"),
    "api:contradiction-list": Route(),
    "api:contradiction-detail": Route("contradiction"),
    "api:contradiction-history": Route("contradiction"),
    "api:deleted": Route(),
    "api:flows": Route(),
    "api:network": Route(),
    "api:network-graphml": Route(),
    "api:network-gexf": Route(),
    "api:export-trade-register": Route(),
    "api:export-trade-register-datapackage": Route(),
    "api:export-jsonl": Route(),
    "api:export-ftm": Route(),
    "api:export-annotations": Route(),
    "api-token": Route(login=True),
    "api-token-logout": Route(revokes_token=True),
    "api-token-logout-all": Route(revokes_token=True),
    "rest_framework:login": Route(login=True),
    "rest_framework:logout": Route(login=True),
    "schema": Route(),
    "docs": Route(),
    # Probes for an orchestrator: anyone may ask (they say nothing private).
    "health-live": Route(),
    "health-ready": Route(),
    # The public explorer's pages: function views answering GET and HEAD only
    # (require_safe), so they bring no case here;
    # tests/explorer/test_pages.py checks that a POST to each is a 405.
    "explorer:register": Route(),
    "explorer:facets": Route(),
    "explorer:flows": Route(),
    "explorer:transfer": Route(),
    "explorer:actor": Route(),
    "explorer:system": Route(),
    "explorer:source": Route(),
}

#: Query parameters a read needs to be a well-formed request.
READ_PARAMS = {"api:deleted": {"since": "2000-01-01T00:00:00Z"}}


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join(filter(None, [namespace, pattern.name])), pattern.callback


def _methods(callback) -> set[str]:
    """The HTTP methods a route answers (lower case)."""
    if getattr(callback, "actions", None):
        methods = set(callback.actions) | {"options"}
    else:
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        names = getattr(view_class, "http_method_names", [])
        methods = {name for name in names if hasattr(view_class, name)}
    if "get" in methods:
        methods.add("head")
    return methods


def api_routes() -> dict[str, set[str]]:
    """Every named route outside the admin, with its methods."""
    routes = {}
    for name, callback in _walk(get_resolver().url_patterns):
        if name.startswith("admin:"):
            continue
        routes.setdefault(name, set()).update(_methods(callback))
    return routes


def test_every_route_is_in_the_matrix():
    assert set(api_routes()) == set(MATRIX)


def test_the_api_has_write_routes_to_check():
    writes = {name for name, methods in api_routes().items() if methods - SAFE}
    assert {"api:transfer-list", "api:transfer-detail", "api:transfer-restore"} <= writes


def make_client(kind: str) -> APIClient:
    if kind == "anonymous":
        return APIClient()
    user = User.objects.create_user(f"{kind}-{User.objects.count()}")
    if kind == "editor":
        user.groups.add(editors_group())
    elif kind == "staff":
        user.is_staff = user.is_superuser = True
        user.save()
    return token_client(user)


def make_target(kind: str | None):
    if kind is None:
        return None
    transfer = documented_transfer()
    if kind == "transfer":
        return transfer.pk
    if kind == "deleted_transfer":
        pk = transfer.pk
        transfer.delete()
        return pk
    if kind == "actor":
        return transfer.supplier_id
    if kind == "actorrelation":
        return ActorRelationFactory(related=transfer.supplier).pk
    if kind == "system":
        return transfer.system_id
    if kind == "statusevent":
        return transfer.status_events.order_by("-id").first().pk
    if kind == "citation":
        return transfer.citations.order_by("id").first().pk
    if kind == "source":
        return transfer.citations.order_by("id").first().source_id
    if kind == "candidate":
        return pending_candidate(transfer).pk
    if kind == "sourcetext":
        return SourceTextFactory(source=transfer.citations.order_by("id").first().source).pk
    if kind == "package":
        package = PackageFactory()
        Transfer.objects.filter(pk=transfer.pk).update(package=package)
        ValueFactory(transfer=None, package=package, kind="package")
        return package.pk
    if kind == "value":
        return ValueFactory(transfer=transfer, citation=transfer.citations.first()).pk
    if kind == "contradiction":
        return ContradictionFactory(
            transfer=transfer, citations=[transfer.citations.order_by("id").first()]
        ).pk
    raise AssertionError(kind)


def expected(route: Route, method: str, user: str) -> set[int]:
    if route.revokes_token:
        return {401} if user == "anonymous" else {200} if method in SAFE else {204}
    if method in SAFE:
        return {200}
    if method in route.not_allowed:
        # Who may write at all is asked first (DRF checks permissions before
        # the method): then the method is refused to everyone alike.
        return {"anonymous": {401}, "no_permissions": {403}}.get(user, {405})
    if route.login:
        return {200, 302, 400}
    return {"anonymous": {401}, "no_permissions": {403}}.get(user, WRITE_ALLOWED)


CASES = [
    (name, method)
    for name, methods in sorted(api_routes().items())
    for method in sorted(methods)
    if name in MATRIX
]


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
@pytest.mark.parametrize("user", USERS)
def test_route_method_and_user(name, method, user):
    route = MATRIX[name]
    client = make_client(user)
    pk = make_target(route.target)
    url = reverse(name, kwargs={"pk": pk} if pk is not None else None)
    if method in ("get", "head"):
        response = getattr(client, method)(url, READ_PARAMS.get(name, {}))
    else:
        response = getattr(client, method)(url, {}, format="json")
    assert response.status_code in expected(route, method, user), (
        response.status_code,
        getattr(response, "data", None),
    )


@pytest.mark.parametrize(
    "name", [n for n, r in MATRIX.items() if not r.login and api_routes()[n] - SAFE]
)
def test_no_write_is_open_to_anonymous_users(name):
    """Belt and braces over the matrix: every unsafe method, anonymously, is 401
    and leaves the data as it was."""
    route = MATRIX[name]
    methods = api_routes()[name] - SAFE
    client = APIClient()
    pk = make_target(route.target)
    url = reverse(name, kwargs={"pk": pk} if pk is not None else None)
    before = Transfer.objects.count(), Transfer.history.count()
    for method in methods:
        assert getattr(client, method)(url, {}, format="json").status_code == 401, method
    assert (Transfer.objects.count(), Transfer.history.count()) == before


def test_an_editor_really_writes_and_a_no_permission_user_does_not():
    body = {"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"}
    assert make_client("no_permissions").post("/api/v1/actors/", body).status_code == 403
    assert make_client("editor").post("/api/v1/actors/", body).status_code == 201


# --- the admin -------------------------------------------------------------------


def admin_urls() -> list[str]:
    """The admin's pages: its index, each app, each model's list and add form,
    a change form, and its own extra pages that take no arguments."""
    transfer = documented_transfer()
    urls = {reverse("admin:index")}
    root = RequestFactory().get("/admin/")
    root.user = User(is_staff=True, is_superuser=True)
    refused = set()  # add pages no one is offered (the assistant's candidates)
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        urls.add(reverse("admin:app_list", kwargs={"app_label": meta.app_label}))
        urls.add(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        add = f"admin:{meta.app_label}_{meta.model_name}_add"
        if model_admin.has_add_permission(root):
            urls.add(reverse(add))
        else:
            refused.add(add)
    urls.add(reverse("admin:transfers_transfer_change", args=[transfer.pk]))
    urls.add(reverse("admin:transfers_transfer_history", args=[transfer.pk]))
    for name, _callback in _walk(get_resolver().url_patterns):
        if not name.startswith("admin:") or name in ("admin:login", "admin:logout", *refused):
            continue
        if name == "admin:autocomplete":
            # Answers only with the field it completes (403 without, even to staff).
            query = "app_label=transfers&model_name=transfer&field_name=supplier"
            urls.add(f"{reverse(name)}?{query}")
            continue
        try:
            urls.add(reverse(name))
        except Exception:  # noqa: BLE001 - a route that needs arguments
            continue
    return sorted(urls)


@pytest.mark.parametrize("user", USERS)
def test_the_admin_lets_in_staff_only(client, user):
    urls = admin_urls()
    assert len(urls) > 10
    if user != "anonymous":
        account = User.objects.create_user(f"admin-{user}")
        if user == "editor":
            account.groups.add(editors_group())
        if user == "staff":
            account.is_staff = account.is_superuser = True
            account.save()
        client.force_login(account)
    for url in urls:
        response = client.get(url)
        if user == "staff":
            assert response.status_code == 200, url
        else:
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("admin:login")), url
