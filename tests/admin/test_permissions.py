"""Who may do what in the admin: every admin URL × every method × six users.

The routes come from the URL resolver, so a new admin page fails
`test_every_admin_route_is_in_the_matrix` until someone decides who may use
it. Each write is a real, valid submission (the form a permitted user's
browser would send, read off the page as the superuser sees it), so a
refusal is proof of a permission check and not of a bad form. Every request
runs in a transaction that is rolled back afterwards; before the rollback the
test compares every curated table, its history and the admin log with what
was there before: a refused write must leave them exactly as they were, an
allowed one must have changed them.

The users:
- anonymous, and non_staff (an active account holding every editor
  permission but not staff): the admin sends both to its login page;
- view_only: staff with the view permission on every model;
- one_model: staff with every permission on actors, and nothing else;
- editor: staff in the Editors group (add, change, delete on the curated models);
- superuser.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from actors.factories import ActorFactory, ActorRelationFactory
from editorial.management.commands.create_editor import editors_group
from sources.factories import SourceFactory, SourceTextFactory
from tests.admin.forms import form_data
from tests.api.test_permissions import _walk, get_resolver
from tests.helpers import documented_transfer, pending_candidate
from transfers.factories import (
    CitationFactory,
    ContradictionFactory,
    PackageFactory,
    SystemFactory,
    ValueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hundreds of accounts log in here; the production hasher would take minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


USERS = ["anonymous", "non_staff", "view_only", "one_model", "editor", "superuser"]
METHODS = ["get", "head", "options", "post", "put", "patch", "delete"]
READS = {"get", "head", "options", "put", "patch", "delete"}
PASSWORD = "a long passphrase for the matrix"
ACTIONS = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class ModelSpec:
    """How the matrix writes one registered model."""

    #: The field a change sets, and its new value.
    change: tuple[str, str]
    #: Fields of a valid new record (on top of the add form's own fields);
    #: "@name" stands for the id of the world's related record `name`.
    add: dict[str, str] = field(default_factory=dict)
    #: Merge is offered on its changelist.
    merge: bool = False
    #: What the admin never offers for this model, whatever the permissions
    #: (the assistant's candidates are proposed, not added, and rejected,
    #: not deleted).
    not_offered: frozenset[str] = frozenset()
    #: The permission that opens the changelist's own actions, if it has any.
    actions_need: str | None = None


MODELS = {
    "actors.actor": ModelSpec(
        change=("description", "Edited by the matrix."),
        add={"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"},
        merge=True,
    ),
    "actors.actorrelation": ModelSpec(
        change=("note", "Edited by the matrix."),
        add={"actor": "@part", "kind": "affiliated_with", "related": "@whole", "start": "2016"},
    ),
    "transfers.system": ModelSpec(
        change=("description", "Edited by the matrix."),
        add={"designation": "Tor-M2", "slug": "tor-m2", "category": "air_defence"},
        merge=True,
    ),
    "transfers.transfer": ModelSpec(
        change=("notes", "Edited by the matrix."),
        add={
            "supplier": "@supplier",
            "recipient": "@recipient",
            "system": "@system",
            "transfer_type": "sale",
            "status_events-0-stage": "under_discussion",
        },
    ),
    "transfers.statusevent": ModelSpec(
        change=("note", "Edited by the matrix."),
        add={"transfer": "@transfer", "stage": "cancelled", "when": "2020"},
    ),
    "sources.source": ModelSpec(
        change=("notes", "Edited by the matrix."),
        add={"title": "A new report", "slug": "a-new-report", "kind": "news"},
    ),
    "transfers.citation": ModelSpec(
        change=("note", "Edited by the matrix."),
        add={
            "source": "@source",
            "transfer": "@transfer",
            "quote": "It was delivered.",
            "location": "paragraph 2",
            "stance": "supports",
        },
    ),
    "transfers.package": ModelSpec(
        change=("notes", "Edited by the matrix."),
        add={"name": "A shopping list", "slug": "a-shopping-list"},
    ),
    "transfers.contradiction": ModelSpec(
        change=("description", "Edited by the matrix."),
        add={
            "transfer": "@transfer",
            "kind": "quantity",
            "state": "open",
            "description": "One report says 12, another 24.",
        },
    ),
    "assistant.candidate": ModelSpec(
        change=("review_note", "Edited by the matrix."),
        not_offered=frozenset({"add", "delete"}),
        actions_need="change",
    ),
    "auth.user": ModelSpec(
        change=("first_name", "Edited"),
        add={"username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    ),
    "auth.group": ModelSpec(change=("name", "Renamed"), add={"name": "Reviewers"}),
    "knox.authtoken": ModelSpec(change=("user", "@user"), add={"user": "@user"}),
}


# --- the data and the users ------------------------------------------------------------


@dataclass
class World:
    """The records the matrix acts on; `targets` holds one per registered model."""

    targets: dict[str, object]
    merge_pairs: dict[str, tuple[int, int]]
    deleted_transfer_id: int
    related: dict[str, int]  # ids the add forms point at

    def resolve(self, value: str) -> str:
        return str(self.related[value[1:]]) if value.startswith("@") else value


def build_world() -> World:
    transfer = documented_transfer()
    spare_actor = ActorFactory(name="Spare", slug="spare")
    relation = ActorRelationFactory()
    spare_system = SystemFactory(designation="Spare system", slug="spare-system")
    spare_source = SourceFactory()
    # Its document page; the citation the matrix adds quotes it.
    SourceTextFactory(source=spare_source, text="A report.\n\nIt was delivered.\n")
    # A package with its value, and a value of the transfer's own citing one of
    # its citations, so both pages show their value inlines filled. (The
    # package has no transfers, which would keep it from being deleted.)
    package = PackageFactory(name="Shopping list", slug="shopping-list")
    ValueFactory(transfer=None, package=package, kind="package")
    # Its citation is one of its own, but not the matrix's target citation nor one
    # of the target event's (deleting either would then be refused, rightly).
    ValueFactory(transfer=transfer, citation=CitationFactory(transfer=transfer))
    gone = documented_transfer()
    gone_id = gone.pk
    gone.delete()
    member = User.objects.create_user("member", first_name="Member")
    group = Group.objects.create(name="Readers")
    targets = {
        "actors.actor": spare_actor,
        "actors.actorrelation": relation,
        "transfers.system": spare_system,
        "transfers.transfer": transfer,
        "transfers.statusevent": transfer.status_events.order_by("-id").first(),
        "sources.source": spare_source,
        "transfers.citation": transfer.citations.order_by("id").first(),
        "transfers.package": package,
        "transfers.contradiction": ContradictionFactory(
            transfer=transfer, citations=[transfer.citations.order_by("id").first()]
        ),
        "auth.user": member,
        "auth.group": group,
        "assistant.candidate": pending_candidate(transfer),
    }
    targets["knox.authtoken"], _key = AuthToken.objects.create(user=member)
    merge_pairs = {
        "actors.actor": (ActorFactory().pk, ActorFactory().pk),
        "transfers.system": (SystemFactory().pk, SystemFactory().pk),
    }
    related = {
        "supplier": transfer.supplier_id,
        "recipient": ActorFactory().pk,
        "system": transfer.system_id,
        "transfer": transfer.pk,
        "source": spare_source.pk,
        "user": User.objects.create_user("tokenless").pk,
        "part": relation.actor_id,
        "whole": relation.related_id,
    }
    return World(targets, merge_pairs, gone_id, related)


def model_permissions(user_kind: str, label: str) -> set[str]:
    """What `user_kind` may do with the model `label` ("app.model"), as the admin asks."""
    spec = MODELS.get(label)
    return _granted(user_kind, label) - (spec.not_offered if spec else set())


def _granted(user_kind: str, label: str) -> set[str]:
    if user_kind == "superuser":
        return set(ACTIONS)
    if user_kind == "view_only":
        return {"view"}
    if user_kind == "one_model":
        return set(ACTIONS) if label == "actors.actor" else set()
    if user_kind == "editor":
        granted = {
            perm.codename.split("_", 1)[0]
            for perm in editors_group().permissions.all()
            if f"{perm.content_type.app_label}.{perm.content_type.model}" == label
        }
        # The admin lets whoever may change a record see it.
        return granted | ({"view"} if "change" in granted else set())
    return set()


def make_user(kind: str) -> User | None:
    if kind == "anonymous":
        return None
    user = User.objects.create_user(f"matrix-{kind}", password=PASSWORD)
    if kind == "superuser":
        user.is_staff = user.is_superuser = True
    elif kind == "non_staff":
        user.groups.add(editors_group())
    elif kind == "view_only":
        user.is_staff = True
        user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    elif kind == "one_model":
        user.is_staff = True
        actors = ContentType.objects.get_for_model(_actor())
        user.user_permissions.set(Permission.objects.filter(content_type=actors))
    elif kind == "editor":
        user.is_staff = True
        user.groups.add(editors_group())
    user.save()
    return user


def _actor():
    return apps.get_model("actors", "Actor")


# --- what the database holds ------------------------------------------------------------


def watched_models():
    """Every table a write through the admin could touch, sessions aside."""
    for model in apps.get_models():
        if model._meta.app_label in (
            "actors",
            "transfers",
            "sources",
            "assistant",
            "common",
            "knox",
        ):
            yield model
    yield from (User, Group, LogEntry)
    yield User.groups.through
    yield User.user_permissions.through
    yield Group.permissions.through


class WriteLog:
    """Every statement that would change a table, sessions and login-attempt
    records aside (logging in and out writes those by design)."""

    IGNORED = ("django_session", "axes_")

    def __init__(self):
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        statement = sql.lstrip().upper()
        if statement.startswith(("INSERT", "UPDATE", "DELETE")) and not any(
            table in sql for table in self.IGNORED
        ):
            self.writes.append(sql[:120])
        return execute(sql, params, many, context)


def snapshot():
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values_list())
        for model in watched_models()
    }


# --- the routes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str  # the URL name
    kind: str  # what the page is (a model admin's suffix, or the site's page)
    label: str | None = None  # "app.model" for a model's pages
    app_label: str | None = None


SITE_PAGES = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
}
#: Pages of our own, by URL name: the model whose permissions they follow.
CUSTOM_PAGES = {
    "admin:transfers_transfer_deleted": ("deleted", "transfers.transfer"),
    "admin:transfers_transfer_restore": ("restore", "transfers.transfer"),
    "admin:audit_report": ("audit", "transfers.transfer"),
    "admin:sources_source_document": ("document", "sources.source"),
    "admin:sources_source_add_from_document": ("add_document", "sources.source"),
    "admin:sources_source_add_text": ("add_text", "sources.source"),
}
MODEL_PAGES = ("changelist", "add", "change", "delete", "history", "simple_history")


def admin_cases() -> list[Case]:
    cases = [Case(name, name.removeprefix("admin:")) for name in sorted(SITE_PAGES)]
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        pages = MODEL_PAGES if isinstance(model_admin, SimpleHistoryAdmin) else MODEL_PAGES[:-1]
        cases += [Case(prefix + page, page, label) for page in pages]
        if label == "auth.user":
            cases.append(Case(prefix + "password_change", "user_password", label))
    cases += [Case(name, kind, label) for name, (kind, label) in CUSTOM_PAGES.items()]
    app_labels = sorted({model._meta.app_label for model in admin.site._registry})
    cases += [Case("admin:app_list", "app_list", app_label=app) for app in app_labels]
    return cases


def known_names() -> set[str]:
    return {name for name, _callback in _walk(get_resolver().url_patterns)}


def test_every_admin_route_is_in_the_matrix():
    admin_names = {name for name in known_names() if name.startswith("admin:")}
    covered = {case.name for case in admin_cases()}
    assert admin_names == covered & admin_names, sorted(admin_names - covered)
    assert covered <= admin_names, sorted(covered - admin_names)


def test_every_registered_model_has_a_spec():
    assert {model._meta.label_lower for model in admin.site._registry} == set(MODELS)


# --- requests ---------------------------------------------------------------------------


def url_for(case: Case, world: World) -> str:
    target = world.targets.get(case.label)
    if case.kind in ("change", "delete", "history", "user_password", "document", "add_text"):
        return reverse(case.name, args=[target.pk])
    if case.kind == "simple_history":
        version = target.history.order_by("-history_id").first()
        return reverse(case.name, args=[target.pk, version.history_id])
    if case.kind == "restore":
        return reverse(case.name, args=[world.deleted_transfer_id])
    if case.kind == "app_list":
        return reverse(case.name, kwargs={"app_label": case.app_label})
    if case.kind == "view_on_site":
        content_type = ContentType.objects.get_for_model(_actor())
        return reverse(case.name, args=[content_type.pk, world.targets["actors.actor"].pk])
    if case.kind == "autocomplete":
        query = "app_label=transfers&model_name=transfer&field_name=supplier"
        return f"{reverse(case.name)}?{query}"
    return reverse(case.name)


def superuser_form(url: str, form_id: str) -> dict[str, list[str]]:
    """The form as the superuser's browser would submit it, unchanged."""
    root = User.objects.filter(username="matrix-form-reader").first()
    if root is None:
        root = User.objects.create_superuser("matrix-form-reader", password=PASSWORD)
    reader = Client()
    reader.force_login(root)
    page = reader.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return form_data(page.content.decode(), form_id)


def post_bodies(case: Case, world: World, url: str) -> list[tuple[str, dict]]:
    """The writes to try on this page, each named: (description, form data)."""
    spec = MODELS.get(case.label)
    model_name = case.label.split(".")[1] if case.label else None
    if case.kind == "changelist":
        target = world.targets[case.label]
        bodies = [
            (
                "delete_selected",
                {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"},
            )
        ]
        if spec.merge:
            keep, duplicate = world.merge_pairs[case.label]
            bodies.append(
                (
                    "merge_selected",
                    {
                        "action": "merge_selected",
                        "_selected_action": [keep, duplicate],
                        "keep": keep,
                    },
                )
            )
        return bodies
    if case.kind == "add":
        if "add" in spec.not_offered:
            return [("add", {})]  # no form to read: the page is refused to all
        data = superuser_form(url, f"{model_name}_form")
        for name, value in spec.add.items():
            data[name] = [world.resolve(value)]
        if case.label == "transfers.transfer":
            data["status_events-TOTAL_FORMS"] = ["1"]
        return [("add", data)]
    if case.kind in ("change", "simple_history"):
        # The history form is the change form of the historical model.
        prefix = "historical" if case.kind == "simple_history" else ""
        data = superuser_form(url, f"{prefix}{model_name}_form")
        name, value = spec.change
        data[name] = [world.resolve(value)]
        return [(case.kind, data)]
    if case.kind == "delete":
        return [("delete", {"post": "yes"})]
    if case.kind == "user_password":
        return [("set password", {"password1": PASSWORD + "!", "password2": PASSWORD + "!"})]
    if case.kind == "password_change":
        return [
            (
                "own password",
                {
                    "old_password": PASSWORD,
                    "new_password1": PASSWORD + "?",
                    "new_password2": PASSWORD + "?",
                },
            )
        ]
    if case.kind == "login":
        return [("wrong password", {"username": "matrix-superuser", "password": "wrong"})]
    return [("empty", {})]


# --- what should happen -----------------------------------------------------------------

#: Pages a model's permission opens, for reading: any of these actions suffices.
READ_NEEDS = {
    "changelist": {"view", "change"},
    "change": {"view", "change"},
    "history": {"view", "change"},
    "simple_history": {"view", "change"},
    "add": {"add"},
    "delete": {"delete"},
    "user_password": {"change"},
    "deleted": {"view", "change"},
    "audit": {"view", "change"},
    "document": {"view", "change"},
    # Both store a text (sources.add_sourcetext, which whoever may add or
    # change a source here also holds): a new source, or a source's new version.
    "add_document": {"add"},
    "add_text": {"change"},
}
#: And for writing.
WRITE_NEEDS = {
    "add": {"add"},
    "change": {"change"},
    "simple_history": {"change"},
    "delete": {"delete"},
    "user_password": {"change"},
}


@dataclass(frozen=True)
class Outcome:
    status: int
    writes: bool = False
    #: Where a redirect goes (a prefix); None for no redirect.
    location: str | None = None


def restore_allowed(user_kind: str) -> bool:
    return all(
        "add" in model_permissions(user_kind, label)
        for label in ("transfers.transfer", "transfers.statusevent", "transfers.citation")
    ) and ("add" in model_permissions(user_kind, "transfers.delivery"))


def merge_allowed(user_kind: str, label: str) -> bool:
    own = model_permissions(user_kind, label)
    rewrites = {"transfers.transfer"}
    deletes = set()
    if label == "actors.actor":
        # The survivor takes over the relations (a repeated one is deleted)
        # and the citations attributed to the duplicate.
        rewrites |= {
            "actors.actor",
            "actors.actorrelation",
            "transfers.system",
            "transfers.citation",
        }
        deletes |= {"actors.actorrelation"}
    return (
        {"change", "delete"} <= own
        and all("change" in model_permissions(user_kind, other) for other in rewrites)
        and all("delete" in model_permissions(user_kind, other) for other in deletes)
    )


def expected(case: Case, method: str, user_kind: str, body: str | None) -> Outcome:
    login = reverse("admin:login")
    staff = user_kind in ("view_only", "one_model", "editor", "superuser")
    if case.kind == "login":
        if method == "get" and staff:
            return Outcome(302, location=reverse("admin:index"))
        # A form view takes PUT as POST (with no form data: the form again).
        return Outcome(200) if method in ("get", "head", "options", "post", "put") else Outcome(405)
    if not staff:
        # The admin sends those it does not let in to its login page, except
        # from its logout page, where there is no one to log out: to its index.
        return Outcome(302, location=reverse("admin:index") if case.kind == "logout" else login)
    if case.kind == "logout":
        return Outcome(200) if method in ("post", "options") else Outcome(405)
    if case.kind in ("jsi18n", "autocomplete"):
        return Outcome(200) if method in ("get", "head", "options") else Outcome(405)
    if case.kind == "view_on_site":
        return Outcome(404)  # no model here has a public page yet
    if case.kind == "index":
        return Outcome(200)
    if case.kind == "password_change_done":
        return Outcome(200) if method in ("get", "head", "options") else Outcome(405)
    if case.kind == "password_change":
        if method == "post":
            return Outcome(302, writes=True, location=reverse("admin:password_change_done"))
        return Outcome(200) if method in ("get", "head", "options", "put") else Outcome(405)
    if case.kind == "app_list":
        models = [m for m in admin.site._registry if m._meta.app_label == case.app_label]
        visible = any(model_permissions(user_kind, m._meta.label_lower) for m in models)
        return Outcome(200) if visible else Outcome(404)
    if case.kind == "restore":
        if not restore_allowed(user_kind):
            return Outcome(403)
        if method == "post":
            return Outcome(302, writes=True, location="/admin/transfers/transfer/")
        return Outcome(302, location=reverse("admin:transfers_transfer_deleted"))

    perms = model_permissions(user_kind, case.label)
    readable = bool(perms & READ_NEEDS.get(case.kind, set()))
    if method in READS or case.kind not in WRITE_NEEDS and case.kind != "changelist":
        return Outcome(200) if readable else Outcome(403)
    # A POST that writes.
    if case.kind == "changelist":
        if not perms & {"view", "change"}:
            return Outcome(403)
        if _model_admin(case.label).actions is None:
            return Outcome(200)  # a list without actions: a POST shows it again
        if body == "delete_selected":
            allowed = "delete" in perms and (
                case.label != "transfers.transfer" or _cascade_allowed(user_kind)
            )
        else:
            allowed = merge_allowed(user_kind, case.label)
        if allowed:
            return Outcome(302, writes=True, location="/admin/")
        # Without an action it may run, the list shows again (or, when it may
        # run others, redirects back with "No action selected").
        return Outcome(302 if _any_action(user_kind, case.label) else 200, location=None)
    if perms & WRITE_NEEDS[case.kind]:
        if (
            case.kind == "delete"
            and case.label == "transfers.transfer"
            and not _cascade_allowed(user_kind)
        ):
            return Outcome(403)
        return Outcome(302, writes=True, location="/admin/")
    return Outcome(403)


def _model_admin(label: str):
    return admin.site._registry[apps.get_model(label)]


def _cascade_allowed(user_kind: str) -> bool:
    """Deleting a transfer deletes its status events, citations and
    contradictions, which have admins."""
    return all(
        "delete" in model_permissions(user_kind, label)
        for label in (
            "transfers.transfer",
            "transfers.statusevent",
            "transfers.citation",
            "transfers.contradiction",
        )
    )


def _any_action(user_kind: str, label: str) -> bool:
    perms = model_permissions(user_kind, label)
    spec = MODELS[label]
    return (
        "delete" in perms
        or (spec.merge and merge_allowed(user_kind, label))
        or (spec.actions_need is not None and spec.actions_need in perms)
    )


# --- the matrix -------------------------------------------------------------------------

CASES = admin_cases()


@pytest.mark.parametrize("user_kind", USERS)
@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.name}:{c.label or c.app_label or ''}" for c in CASES]
)
def test_admin_route_method_and_user(case, user_kind):
    world = build_world()
    user = make_user(user_kind)
    url = url_for(case, world)
    failures = []
    for method in METHODS:
        bodies = post_bodies(case, world, url) if method == "post" else [(None, {})]
        for body_name, data in bodies:
            client = Client()
            if user is not None:
                client.force_login(user)
            want = expected(case, method, user_kind, body_name)
            log = WriteLog()
            with transaction.atomic():
                # What the tables hold is compared around a POST, the one method
                # the admin writes with; every request is watched for writes.
                before = snapshot() if method == "post" else None
                with connection.execute_wrapper(log):
                    if method in ("get", "head", "post"):
                        response = getattr(client, method)(url, data)
                    else:
                        response = getattr(client, method)(url)
                after = snapshot() if method == "post" else None
                transaction.set_rollback(True)
            wrote = bool(log.writes) or before != after
            if wrote != (before != after) and method == "post":
                failures.append(f"POST {url}: statements {log.writes} but no table changed")
            got = (response.status_code, wrote)
            if got != (want.status, want.writes):
                failures.append(
                    f"{method.upper()} {body_name or ''} {url}: got {got}, want "
                    f"{(want.status, want.writes)}{_changed(before, after)} {log.writes[:3]}"
                )
            elif want.location and not response["Location"].startswith(want.location):
                failures.append(f"{method.upper()} {url}: redirected to {response['Location']}")
    assert not failures, "\n".join(failures)


def _changed(before, after) -> str:
    if before is None:
        return ""
    tables = [label for label in before if before[label] != after[label]]
    return f" (changed: {', '.join(tables)})" if tables else ""


# --- the defects this matrix was written for ---------------------------------------------


def test_a_view_only_user_cannot_revert_through_the_history_form():
    world = build_world()
    actor = world.targets["actors.actor"]
    actor.description = "Current"
    actor.save()
    first = actor.history.order_by("history_id").first()
    url = reverse("admin:actors_actor_simple_history", args=[actor.pk, first.history_id])
    data = superuser_form(url, "historicalactor_form")
    client = Client()
    client.force_login(make_user("view_only"))
    assert client.post(url, data).status_code == 403
    actor.refresh_from_db()
    assert actor.description == "Current"


def test_a_view_only_user_cannot_merge():
    world = build_world()
    keep, duplicate = world.merge_pairs["actors.actor"]
    client = Client()
    client.force_login(make_user("view_only"))
    client.post(
        reverse("admin:actors_actor_changelist"),
        {"action": "merge_selected", "_selected_action": [keep, duplicate], "keep": keep},
    )
    assert _actor().objects.filter(pk=duplicate).exists()


def test_the_merge_action_is_offered_only_to_who_may_merge():
    build_world()
    for user_kind, offered in [("view_only", False), ("one_model", False), ("editor", True)]:
        client = Client()
        client.force_login(make_user(user_kind))
        page = client.get(reverse("admin:actors_actor_changelist")).content.decode()
        assert bool(re.search(r'value="merge_selected"', page)) is offered, user_kind


@pytest.mark.parametrize("how", ["delete page", "bulk action"])
def test_the_admin_does_not_delete_a_transfers_only_status_event(how):
    from transfers.factories import StatusEventFactory

    event = StatusEventFactory()
    client = Client()
    client.force_login(make_user("editor"))
    if how == "delete page":
        url = reverse("admin:transfers_statusevent_delete", args=[event.pk])
        response = client.post(url, {"post": "yes"})
    else:
        url = reverse("admin:transfers_statusevent_changelist")
        body = {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
        response = client.post(url, body)
    assert response.status_code == 200
    assert "keeps at least one status event" in response.content.decode()
    assert event.transfer.status_events.count() == 1


def test_create_editor_with_admin_makes_a_staff_editor_who_curates_but_does_not_manage_users():
    from django.core.management import call_command

    call_command("create_editor", "curator", "--admin", "--token-only")
    curator = User.objects.get(username="curator")
    assert curator.is_staff and not curator.is_superuser
    client = Client()
    client.force_login(curator)
    assert client.get(reverse("admin:transfers_transfer_add")).status_code == 200
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_an_editor_of_citations_without_relay_permissions_cannot_add_relays_inline():
    from transfers.factories import CitationFactory
    from transfers.models import CitationRelay

    citation = CitationFactory()
    relayed = SourceFactory(title="The Wall Street Journal, 2023-11")
    url = reverse("admin:transfers_citation_change", args=[citation.pk])
    data = superuser_form(url, "citation_form")
    # One relay added in the inline, as the page's "Add another" would submit it.
    data.update(
        {
            "relays-TOTAL_FORMS": ["1"],
            "relays-0-citation": [str(citation.pk)],
            "relays-0-position": ["1"],
            "relays-0-source": [str(relayed.pk)],
            "relays-0-note": [""],
        }
    )
    user = User.objects.create_user("citations-only", password=PASSWORD, is_staff=True)
    citation_type = ContentType.objects.get_for_model(citation)
    user.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_")
        | Permission.objects.filter(content_type=citation_type, codename="change_citation")
    )
    limited = Client()
    limited.force_login(user)
    response = limited.post(url, data)
    # The citation's own form is saved; the inline it may not edit is not.
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert not CitationRelay.objects.filter(citation=citation).exists()

    # The same submission from a user who may write relays adds the relay, so
    # the refusal above is the permission's doing, not a bad form.
    root = Client()
    root.force_login(User.objects.get(username="matrix-form-reader"))
    assert root.post(url, data).status_code == 302
    assert list(
        CitationRelay.objects.filter(citation=citation).values_list("source", flat=True)
    ) == [relayed.pk]
