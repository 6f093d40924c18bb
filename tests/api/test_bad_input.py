"""Bad input everywhere gets a clear 4xx in JSON, never a 500, and a refused
write leaves the database exactly as it was (rows and history rows)."""

import json
from unittest import mock

import pytest
from django.db import IntegrityError
from django.test import override_settings

from actors.models import Actor
from common.api.pagination import MAX_PAGE_SIZE
from tests.helpers import API, documented_transfer
from transfers.models import Citation, StatusEvent, Transfer, TransferIntermediary

pytestmark = pytest.mark.django_db

TRACKED = [Actor, Transfer, TransferIntermediary, StatusEvent, Citation]


def snapshot():
    """Row counts and history row counts of every model a transfer write touches."""
    return {model.__name__: (model.objects.count(), model.history.count()) for model in TRACKED}


def transfer_body(**overrides):
    return {"supplier": "russia", "recipient": "iran", "system": "s-300", **overrides}


def assert_json_error(response, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# --- size ---------------------------------------------------------------------------


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_limit_is_a_json_413_and_writes_nothing(editor, russia, iran, s300):
    before = snapshot()
    body = json.dumps(transfer_body(notes="x" * 20_000))
    response = editor.post(f"{API}/transfers/", body, content_type="application/json")
    error = assert_json_error(response, 413)
    assert "at most 10000" in error["detail"]
    assert snapshot() == before


def test_a_body_over_the_default_limit_is_refused_too(editor):
    body = json.dumps({"name": "x" * 3_000_000})
    response = editor.post(f"{API}/actors/", body, content_type="application/json")
    assert_json_error(response, 413)
    assert not Actor.objects.exists()


def test_a_body_just_under_the_limit_is_read(editor, russia, iran, s300):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100_000):
        body = json.dumps(transfer_body(notes="x" * 90_000))
        response = editor.post(f"{API}/transfers/", body, content_type="application/json")
    assert response.status_code == 201, response.content


# --- types, unknown fields ------------------------------------------------------------

WRONG_TYPES = [
    ("quantity", "many"),
    ("quantity", [3]),
    ("quantity", -1),
    ("quantity_is_estimate", {"yes": True}),
    ("quantity_max", "lots"),
    ("package", 3.5),
    ("transfer_type", "gift-wrapped"),
    ("intermediaries", "belarus"),
    ("intermediaries", [{"name": "no id"}]),
    ("supplier", 3.5),
    ("supplier", True),
    ("start_date", 2016),
    ("notes", {"a": 1}),
    ("initial_stage", "agreed"),
    ("initial_stage", {"stage": "lost"}),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES)
def test_a_wrong_type_is_a_400_naming_the_field(editor, russia, iran, s300, field, value):
    before = snapshot()
    response = editor.post(f"{API}/transfers/", transfer_body(**{field: value}), format="json")
    assert field in assert_json_error(response)
    assert snapshot() == before


def test_unknown_fields_are_a_400_naming_each(editor, russia, iran, s300):
    before = snapshot()
    body = transfer_body(quantitiy=12, colour="red")
    error = assert_json_error(editor.post(f"{API}/transfers/", body, format="json"))
    assert set(error) == {"quantitiy", "colour"}
    assert "Unknown field" in error["quantitiy"][0]
    assert snapshot() == before


def test_an_unknown_field_in_a_nested_object_is_named_too(editor, russia, iran, s300):
    body = transfer_body(initial_stage={"stage": "agreed", "when": "2016"})
    error = assert_json_error(editor.post(f"{API}/transfers/", body, format="json"))
    assert error == {"initial_stage": {"when": ["Unknown field: this record has no such field."]}}


def test_an_unknown_field_in_a_patch_changes_nothing(editor):
    transfer = documented_transfer(quantity=4)
    url = f"{API}/transfers/{transfer.pk}/"
    before = snapshot()
    response = editor.patch(url, {"quantity": 6, "qty": 6}, format="json")
    assert "qty" in assert_json_error(response)
    transfer.refresh_from_db()
    assert transfer.quantity == 4
    assert snapshot() == before


def test_read_only_fields_sent_back_are_not_unknown(editor):
    transfer = documented_transfer()
    url = f"{API}/transfers/{transfer.pk}/"
    read = editor.get(url).json()
    assert editor.put(url, read, format="json").status_code == 200


@pytest.mark.parametrize("body", [[], [{"name": "A"}], "text", 12, None])
def test_a_body_that_is_not_an_object_is_a_400(editor, body):
    response = editor.post(f"{API}/actors/", json.dumps(body), content_type="application/json")
    assert "non_field_errors" in assert_json_error(response)
    assert not Actor.objects.exists()


# --- pages ------------------------------------------------------------------------------


def test_a_huge_page_size_is_capped_at_the_maximum(api_client):
    Actor.objects.bulk_create(
        [Actor(name=f"A{i}", slug=f"a{i}", kind="company") for i in range(MAX_PAGE_SIZE + 3)]
    )
    response = api_client.get(f"{API}/actors/", {"page_size": 10**9})
    assert response.status_code == 200
    assert len(response.json()["results"]) == MAX_PAGE_SIZE


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("page", "-1"),
        ("page", "0"),
        ("page", "1.5"),
        ("page", "abc"),
        ("page", "9" * 40),
        ("page_size", "0"),
        ("page_size", "-3"),
        ("page_size", "ten"),
    ],
)
def test_a_page_or_page_size_that_is_not_a_positive_number_is_a_400(api_client, param, value):
    error = assert_json_error(api_client.get(f"{API}/transfers/", {param: value}))
    assert param in error


def test_a_page_past_the_last_is_still_a_404(api_client):
    assert_json_error(api_client.get(f"{API}/transfers/", {"page": 3}), 404)


# --- dates and precisions ---------------------------------------------------------------

MALFORMED_DATES = [
    "2016-13",
    "2016-02-30",
    "16",
    "2016-5",
    "2016/05/03",
    "May 2016",
    "2016-05-03T",
    # Found: full-width digits and a final newline were read as 2020.
    "２０２０",
    "2020\n",
    "2016-05-0３",
]


@pytest.mark.parametrize("date", MALFORMED_DATES, ids=ascii)
def test_a_malformed_date_is_a_400(editor, russia, iran, s300, date):
    response = editor.post(f"{API}/transfers/", transfer_body(start_date=date), format="json")
    assert "start_date" in assert_json_error(response)
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("date", "precision"),
    [("2016", "day"), ("2016-05-03", "year"), (None, "year"), ("2016", "century"), ("2016", 4)],
)
def test_a_precision_that_contradicts_the_date_is_a_400(
    editor, russia, iran, s300, date, precision
):
    body = transfer_body(start_date=date, start_date_precision=precision)
    error = assert_json_error(editor.post(f"{API}/transfers/", body, format="json"))
    assert "start_date_precision" in error
    assert not Transfer.objects.exists()


def test_a_precision_sent_without_its_date_must_match_the_stored_one(editor):
    transfer = documented_transfer()  # start date 2016 or so, at some precision
    url = f"{API}/transfers/{transfer.pk}/"
    stored = editor.get(url).json()["start_date_precision"]
    other = "day" if stored != "day" else "year"
    assert "start_date_precision" in assert_json_error(
        editor.patch(url, {"start_date_precision": other}, format="json")
    )
    assert editor.patch(url, {"start_date_precision": stored}, format="json").status_code == 200


def test_a_matching_precision_is_accepted(editor, russia, iran, s300):
    body = transfer_body(start_date="2016-05", start_date_precision="month")
    response = editor.post(f"{API}/transfers/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["start_date"] == "2016-05"


@pytest.mark.parametrize(
    "query",
    [
        {"year_from": "20x6"},
        {"year_from": "２０１６"},  # found: full-width digits were read as 2016
        {"year_to": "2016\n"},
        {"year_to": "-5"},
        {"updated_since": "yesterday"},
        {"updated_since": "2024-02-30T00:00:00Z"},
    ],
)
def test_malformed_date_filters_are_400s(api_client, query):
    error = assert_json_error(api_client.get(f"{API}/transfers/", query))
    assert set(query) <= set(error)


# --- encodings and control characters ----------------------------------------------------


def test_a_body_that_is_not_utf8_is_a_400(editor):
    body = b'{"name": "Ir\xe1n", "slug": "iran", "kind": "state"}'
    response = editor.post(f"{API}/actors/", body, content_type="application/json")
    assert "detail" in assert_json_error(response)
    assert not Actor.objects.exists()


def test_a_body_that_is_not_json_is_a_400(editor):
    response = editor.post(f"{API}/actors/", b"{'name': 1,", content_type="application/json")
    assert "JSON parse error" in assert_json_error(response)["detail"]


def test_a_body_of_an_unreadable_type_is_a_415(editor):
    response = editor.post(f"{API}/actors/", b"name=Iran", content_type="text/plain")
    assert_json_error(response, 415)


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/actors/?search=%ff%fe",
        f"{API}/transfers/?supplier=%c3%28",
        f"{API}/transfers/?search=%ed%a0%80",
        f"{API}/actors/%ff%fe/",
        f"{API}/transfers/?stage=%00",
        f"{API}/citations/?search=a%00b",
    ],
)
def test_invalid_utf8_or_nul_in_the_url_is_answered_without_a_server_error(api_client, url):
    documented_transfer()
    response = api_client.get(url)
    assert response.status_code in (200, 400, 404), response.content
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("field", ["name", "description", "slug"])
def test_a_nul_character_in_a_text_field_is_a_400(editor, field):
    body = {"name": "Iran", "slug": "iran", "kind": "state", field: "a\x00b"}
    assert field in assert_json_error(editor.post(f"{API}/actors/", body, format="json"))
    assert not Actor.objects.exists()


# --- SQL and HTML are data ---------------------------------------------------------------

SQL = "Robert'); DROP TABLE actors_actor;--"
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_sql_and_html_in_text_fields_are_stored_verbatim_and_returned_as_data(editor, client):
    from django.contrib.auth.models import User

    Actor.objects.create(name="Witness", slug="witness", kind="company")
    body = {"name": SQL, "slug": "bobby", "kind": "company", "description": HTML}
    created = editor.post(f"{API}/actors/", body, format="json")
    assert created.status_code == 201, created.content
    # Stored exactly as sent; the table is still there with the row beside it.
    actor = Actor.objects.get(slug="bobby")
    assert (actor.name, actor.description) == (SQL, HTML)
    assert Actor.objects.count() == 2
    # Returned as JSON data (a string inside a JSON document the browser
    # will not sniff as HTML), equal to what was sent.
    read = editor.get(f"{API}/actors/bobby/")
    assert read["Content-Type"] == "application/json"
    assert read["X-Content-Type-Options"] == "nosniff"
    assert read.json()["name"] == SQL and read.json()["description"] == HTML
    # Searching for the SQL finds it as text.
    assert [a["slug"] for a in editor.get(f"{API}/actors/", {"search": SQL}).json()["results"]] == [
        "bobby"
    ]
    # Pages that are HTML escape it.
    browsable = editor.get(f"{API}/actors/bobby/", HTTP_ACCEPT="text/html")
    assert b"<script>alert" not in browsable.content
    assert b"&lt;script&gt;" in browsable.content
    staff = User.objects.create_superuser("boss", password="x")
    client.force_login(staff)
    page = client.get(f"/admin/actors/actor/{actor.pk}/change/")
    assert page.status_code == 200
    assert b"<script>alert" not in page.content


def test_sql_in_filters_and_ordering_is_a_plain_value(api_client):
    documented_transfer()
    for query in (
        {"supplier": SQL},
        {"search": SQL},
        {"ordering": "id; DROP TABLE transfers_transfer"},
        {"stage": "confirmed' OR '1'='1"},
    ):
        response = api_client.get(f"{API}/transfers/", query)
        assert response.status_code in (200, 400), (query, response.content)
    assert Transfer.objects.count() == 1


# --- a failed write leaves nothing behind ------------------------------------------------


def test_a_transfer_whose_last_part_fails_to_save_leaves_nothing(editor, russia, iran, s300):
    """The transfer and its intermediaries are saved before the first status
    event; the event failing must take them back out, history rows included."""
    from actors.factories import ActorFactory

    ActorFactory(slug="belarus")
    before = snapshot()
    body = transfer_body(intermediaries=["belarus"], initial_stage={"stage": "agreed"})
    with mock.patch.object(StatusEvent, "save", side_effect=IntegrityError("disk full")):
        response = editor.post(f"{API}/transfers/", body, format="json")
    assert_json_error(response, 409)
    assert snapshot() == before


def test_an_update_whose_intermediaries_fail_to_save_changes_nothing(editor):
    transfer = documented_transfer(quantity=4)
    url = f"{API}/transfers/{transfer.pk}/"
    links_before = list(transfer.intermediary_links.values_list("actor_id", "position"))
    before = snapshot()
    with mock.patch(
        "transfers.services.bulk_create_with_history", side_effect=IntegrityError("lost")
    ):
        response = editor.patch(url, {"quantity": 9, "intermediaries": []}, format="json")
    assert_json_error(response, 409)
    transfer.refresh_from_db()
    assert transfer.quantity == 4
    assert list(transfer.intermediary_links.values_list("actor_id", "position")) == links_before
    assert snapshot() == before


def test_a_refused_write_writes_no_history(editor, russia, iran, s300):
    before = snapshot()
    body = transfer_body(intermediaries=["russia"])  # the supplier cannot also be a stop
    assert "intermediaries" in assert_json_error(
        editor.post(f"{API}/transfers/", body, format="json")
    )
    assert snapshot() == before
