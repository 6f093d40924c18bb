"""What every endpoint promises: permissions, errors, pagination, ETags and
optimistic concurrency, and an OpenAPI schema that validates."""

from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient, APIRequestFactory

from actors.factories import ActorFactory
from actors.models import Actor
from common.api.pagination import MAX_PAGE_SIZE, ApiPagination
from tests import helpers as support
from tests.helpers import API, documented_transfer
from transfers.factories import (
    CitationFactory,
    ContradictionFactory,
    PackageFactory,
    SystemFactory,
    ValueFactory,
)
from transfers.models import Transfer

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "actors",
    "systems",
    "transfers",
    "status-events",
    "sources",
    "citations",
    "packages",
    "values",
    "contradictions",
]


# --- permissions ---------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anyone_reads_every_list(api_client, endpoint):
    response = api_client.get(f"{API}/{endpoint}/")
    assert response.status_code == 200
    assert set(response.json()) == {"count", "count_is_exact", "next", "previous", "results"}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_writes_are_401_and_writes_without_permission_403(api_client, viewer, endpoint):
    assert api_client.post(f"{API}/{endpoint}/", {}, format="json").status_code == 401
    assert viewer.post(f"{API}/{endpoint}/", {}, format="json").status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_anonymous_cannot_change_or_delete(api_client, method):
    transfer = documented_transfer()
    response = getattr(api_client, method)(f"{API}/transfers/{transfer.pk}/", {}, format="json")
    assert response.status_code == 401
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_a_session_login_works_for_the_browsable_api(client, django_user_model):
    django_user_model.objects.create_user("someone")
    client.force_login(django_user_model.objects.get())
    response = client.get(f"{API}/actors/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"someone" in response.content


def test_editor_may_only_do_what_their_permissions_allow(db):
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user("clerk")
    user.user_permissions.add(Permission.objects.get(codename="add_actor"))
    clerk = support.token_client(user)
    body = {"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"}
    assert clerk.post(f"{API}/actors/", body, format="json").status_code == 201
    assert clerk.delete(f"{API}/actors/belarus/").status_code == 403


# --- errors --------------------------------------------------------------------


def test_a_missing_record_is_a_json_404_for_every_endpoint(api_client):
    for endpoint in ENDPOINTS:
        response = api_client.get(f"{API}/{endpoint}/987654/")
        assert response.status_code == 404, endpoint
        assert response["Content-Type"] == "application/json"
        assert "detail" in response.json()


def test_an_id_too_large_for_the_database_is_a_404_not_a_500(api_client):
    assert api_client.get(f"{API}/actors/99999999999999999999999/").status_code == 404


def test_a_database_conflict_is_a_409_not_a_500(editor):
    # full_clean() normally catches this; skipping it stands in for a write
    # racing another one past the check.
    with mock.patch.object(Actor, "full_clean"):
        response = editor.post(
            f"{API}/actors/",
            {"name": "Nowhere", "slug": "nowhere", "kind": "state", "country": ""},
            format="json",
        )
    assert response.status_code == 409
    assert "detail" in response.json()
    assert not Actor.objects.exists()


def test_a_page_past_the_end_is_a_404(api_client):
    response = api_client.get(f"{API}/actors/", {"page": 5})
    assert response.status_code == 404
    assert "detail" in response.json()


# --- pagination ----------------------------------------------------------------


def test_the_client_sets_the_page_size(api_client):
    ActorFactory.create_batch(3)
    body = api_client.get(f"{API}/actors/", {"page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2


def test_page_size_is_capped_at_the_documented_maximum():
    request = APIRequestFactory().get("/", {"page_size": MAX_PAGE_SIZE * 10})
    from rest_framework.request import Request

    assert ApiPagination().get_page_size(Request(request)) == MAX_PAGE_SIZE


# --- ETag and optimistic concurrency ------------------------------------------


def test_detail_carries_an_etag_and_answers_if_none_match_with_304(api_client):
    transfer = documented_transfer()
    first = api_client.get(f"{API}/transfers/{transfer.pk}/")
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = api_client.get(f"{API}/transfers/{transfer.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304


def test_the_etag_changes_when_the_evidence_changes(api_client):
    transfer = documented_transfer()
    before = api_client.get(f"{API}/transfers/{transfer.pk}/")["ETag"]
    CitationFactory(transfer=transfer)
    assert api_client.get(f"{API}/transfers/{transfer.pk}/")["ETag"] != before


def test_a_write_with_the_current_etag_succeeds_and_returns_the_new_one(editor):
    transfer = documented_transfer()
    etag = editor.get(f"{API}/transfers/{transfer.pk}/")["ETag"]
    response = editor.patch(
        f"{API}/transfers/{transfer.pk}/", {"quantity": 12}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] != etag
    assert response["ETag"] == editor.get(f"{API}/transfers/{transfer.pk}/")["ETag"]


def test_a_write_with_a_stale_etag_is_a_412_and_changes_nothing(editor):
    transfer = documented_transfer(quantity=4)
    url = f"{API}/transfers/{transfer.pk}/"
    stale = editor.get(url)["ETag"]
    # Another editor gets there first.
    assert editor.patch(url, {"quantity": 6}, format="json").status_code == 200
    response = editor.patch(url, {"quantity": 8}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert "changed since you read it" in response.json()["detail"]
    transfer.refresh_from_db()
    assert transfer.quantity == 6
    assert editor.delete(url, HTTP_IF_MATCH=stale).status_code == 412
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_if_match_star_and_a_list_of_tags_are_understood(editor):
    actor = ActorFactory()
    url = f"{API}/actors/{actor.pk}/"
    etag = editor.get(url)["ETag"]
    response = editor.patch(url, {"name": "A"}, format="json", HTTP_IF_MATCH=f'"x", W/{etag}')
    assert response.status_code == 200
    assert editor.patch(url, {"name": "B"}, format="json", HTTP_IF_MATCH="*").status_code == 200


def test_a_put_of_what_was_read_is_accepted(editor):
    transfer = documented_transfer()
    url = f"{API}/transfers/{transfer.pk}/"
    read = editor.get(url)
    body = {**read.json(), "notes": "Edited offline."}
    response = editor.put(url, body, format="json", HTTP_IF_MATCH=read["ETag"])
    assert response.status_code == 200, response.json()
    transfer.refresh_from_db()
    assert transfer.notes == "Edited offline."
    assert transfer.intermediary_links.count() == 1


# --- OpenAPI -------------------------------------------------------------------


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert {f"/api/v1/{endpoint}/" for endpoint in ENDPOINTS} <= set(schema["paths"])
    # No dead types for a generated client: read-only nested shapes have no request twin.
    assert "TransferCitationRequest" not in schema["components"]["schemas"]
    assert "TransferCitation" in schema["components"]["schemas"]


def test_every_list_parameter_is_typed_and_described(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for endpoint in ENDPOINTS:
        parameters = schema["paths"][f"/api/v1/{endpoint}/"]["get"]["parameters"]
        names = {p["name"] for p in parameters}
        assert {"page", "page_size", "ordering", "updated_since"} <= names, endpoint
        for parameter in parameters:
            assert parameter.get("description"), (endpoint, parameter["name"])
            assert parameter["schema"].get("type"), (endpoint, parameter["name"])
        page_size = next(p for p in parameters if p["name"] == "page_size")
        assert page_size["schema"]["maximum"] == MAX_PAGE_SIZE


@pytest.mark.django_db
def test_every_list_that_offers_updated_since_answers_it(editor):
    """Found by the schema fuzzer: a list whose model had no `updated`
    answered 500. Every paginated list the schema offers the filter on is
    asked, so a new one is covered without being named here."""
    support.pending_candidate(documented_transfer())
    schema = editor.get("/api/schema/", {"format": "json"}).json()
    lists = [
        path
        for path, operations in schema["paths"].items()
        if "{" not in path
        and {"page", "updated_since"}
        <= {p["name"] for p in operations.get("get", {}).get("parameters", [])}
    ]
    assert f"{API}/candidates/" in lists and f"{API}/source-texts/" in lists
    for path in lists:
        everything = editor.get(path).json()["count"]
        since_before = editor.get(path, {"updated_since": "2000-01-01T00:00:00Z"})
        assert since_before.status_code == 200, (path, since_before.content[:300])
        assert since_before.json()["count"] == everything, path
        since_later = editor.get(path, {"updated_since": "2999-01-01T00:00:00Z"})
        assert since_later.json()["count"] == 0, path
    assert editor.get(f"{API}/source-texts/").json()["count"] > 0


def test_the_schema_separates_read_and_write_shapes(api_client):
    components = api_client.get("/api/schema/", {"format": "json"}).json()["components"]
    schemas = components["schemas"]
    read_supplier = schemas["Transfer"]["properties"]["supplier"]
    write_supplier = schemas["TransferRequest"]["properties"]["supplier"]
    assert "ActorBrief" in str(read_supplier)
    assert {choice.get("type") for choice in write_supplier["oneOf"]} == {
        "integer",
        "string",
        "object",
    }
    assert "initial_stage" in schemas["TransferRequest"]["properties"]
    assert "stage" not in schemas["TransferRequest"]["properties"]
    assert {"tokenAuth", "cookieAuth"} <= set(components["securitySchemes"])


def test_the_interactive_docs_are_served(api_client):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    # Served from this server, so the docs work without internet access.
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"cdn.jsdelivr" not in response.content


# --- the browsable API -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_the_browsable_api_renders_list_and_edit_forms_for_an_editor(
    client, django_user_model, endpoint
):
    from django.contrib.auth.models import Permission

    transfer = documented_transfer(package=PackageFactory())
    ValueFactory(transfer=transfer, citation=transfer.citations.first())
    if endpoint == "contradictions":
        ContradictionFactory(transfer=transfer)
    user = django_user_model.objects.create_user("curator")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="change_"))
    user.user_permissions.add(*Permission.objects.filter(codename__startswith="add_"))
    client.force_login(user)
    listed = client.get(f"{API}/{endpoint}/", HTTP_ACCEPT="text/html")
    assert listed.status_code == 200
    first = client.get(f"{API}/{endpoint}/", HTTP_ACCEPT="application/json").json()["results"][0]
    detail = client.get(first["url"], HTTP_ACCEPT="text/html")
    assert detail.status_code == 200
    assert b"<form" in detail.content


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_options_describes_the_endpoint(editor, endpoint):
    response = editor.options(f"{API}/{endpoint}/")
    assert response.status_code == 200
    assert "POST" in response.json()["actions"]


# --- the seed data -----------------------------------------------------------------

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seed.json"


@pytest.mark.skipif(not SEED.exists(), reason="no seed fixture")
def test_every_seed_record_reads_through_the_api(api_client):
    call_command("loaddata", str(SEED), verbosity=0)
    for endpoint in ENDPOINTS:
        listed = api_client.get(f"{API}/{endpoint}/", {"page_size": MAX_PAGE_SIZE})
        assert listed.status_code == 200, endpoint
        records = listed.json()["results"]
        # A seed need not group its transfers in packages.
        assert records or endpoint == "packages", endpoint
        for record in records:
            detail = api_client.get(record["url"])
            assert detail.status_code == 200, record["url"]
            assert detail.json() == record


def test_a_tool_exchanges_a_login_for_a_token_and_writes_with_it(api_client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("tool", password="a long passphrase")
    user.user_permissions.add(Permission.objects.get(codename="add_actor"))
    response = api_client.post(
        "/api/auth/token/", {"username": "tool", "password": "a long passphrase"}, format="json"
    )
    assert response.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    body = {"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"}
    assert api_client.post(f"{API}/actors/", body, format="json").status_code == 201
    wrong = APIClient().post("/api/auth/token/", {"username": "tool", "password": "guess"})
    assert wrong.status_code == 400


# --- odd input is a 4xx, never a 500 -------------------------------------------------

ODD_READS = [
    "/api/v1/actors/%00/",
    "/api/v1/actors/-1/",
    "/api/v1/actors/?page=abc",
    "/api/v1/actors/?page_size=abc",
    "/api/v1/actors/?page_size=-3",
    "/api/v1/actors/?search=%00",
    "/api/v1/actors/?parent=%00",
    "/api/v1/actors/?updated_since=2024-13-45",
    "/api/v1/transfers/?search=%22unclosed%20-%20OR%20%26%7C!(",
    "/api/v1/transfers/?year_from=99999",
    "/api/v1/transfers/?party_id=1.5",
    "/api/v1/transfers/?ordering=",
    "/api/v1/transfers/?ordering=,,",
    "/api/v1/citations/99999999999999999999999999/",
    "/api/v1/status-events/abc/",
]


@pytest.mark.parametrize("url", ODD_READS)
def test_odd_reads_are_answered_without_a_server_error(api_client, url):
    documented_transfer()
    response = api_client.get(url)
    assert response.status_code < 500
    assert response["Content-Type"] == "application/json"


ODD_TRANSFER_BODIES = [
    [],
    "a string",
    {"supplier": None, "recipient": [], "system": {}},
    {"supplier": "russia\u0000", "recipient": "iran", "system": "s-300"},
    {"supplier": 99999999999999999999999, "recipient": "iran", "system": "s-300"},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "intermediaries": [None]},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "initial_stage": "agreed"},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "start_date": "0000"},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "start_date": "2016-02-30"},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "quantity": 10**20},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "quantity_max": 10**20},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "slug": "Not a slug!"},
    {"supplier": "russia", "recipient": "iran", "system": "s-300", "notes": "a\u0000b"},
]


@pytest.mark.parametrize("body", ODD_TRANSFER_BODIES)
def test_odd_bodies_are_400s(editor, russia, iran, s300, body):
    response = editor.post(f"{API}/transfers/", body, format="json")
    assert response.status_code == 400, response.content
    assert not Transfer.objects.exists()


# --- merged records ------------------------------------------------------------------


def test_a_merged_actors_old_id_and_slug_redirect_to_the_survivor(api_client, russia):
    from editorial.services import actor_merge

    duplicate = ActorFactory(slug="russian-federation", name="Russian Federation", country="RU")
    old_id = duplicate.pk
    actor_merge(keep=russia, duplicate=duplicate)
    survivor = f"http://testserver{API}/actors/{russia.pk}/"
    for old in (old_id, "russian-federation"):
        response = api_client.get(f"{API}/actors/{old}/")
        assert response.status_code == 308
        assert response["Location"] == survivor
    assert api_client.get(response["Location"]).json()["slug"] == "russia"
    assert api_client.get(f"{API}/actors/never-existed/").status_code == 404


def test_a_merged_systems_old_slug_redirects(api_client, s300):
    from editorial.services import system_merge

    duplicate = SystemFactory(slug="s-300pmu", designation="S-300PMU")
    system_merge(keep=s300, duplicate=duplicate)
    response = api_client.get(f"{API}/systems/s-300pmu/")
    assert response.status_code == 308
    assert response["Location"].endswith(f"/systems/{s300.pk}/")
