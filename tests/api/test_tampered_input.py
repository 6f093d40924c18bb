"""Input crafted to break the server (issue 12, section 7): page numbers
past any OFFSET the database takes, cursors with values of the wrong type,
null characters in the path, JSON nested without end. Each is a 4xx in
JSON saying what was wrong; and whatever else goes wrong under /api/ is a
JSON 500, never Django's HTML page. Several of these were 500s on
PostgreSQL only (integer out of range, NUL bytes), so the suite runs on both."""

import base64
import json

import orjson
import pytest
from django.db import connection
from django.urls import path

from common.api.fields import MAX_ID
from config.urls import urlpatterns as project_urlpatterns
from tests.helpers import API, documented_transfer
from transfers.factories import TransferFactory, ValueFactory

pytestmark = pytest.mark.django_db


def assert_json_error(response, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


# --- page numbers --------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["transfers", "actors", "flows", "systems", "sources"])
@pytest.mark.parametrize(
    ("page", "page_size"), [(MAX_ID, 50), (MAX_ID // 50 + 1, 50), (MAX_ID // 500 + 1, 500)]
)
def test_a_page_beyond_any_offset_is_a_400_naming_the_page(api_client, endpoint, page, page_size):
    # Found: ?page=9223372036854775807 was a 500 (bigint out of range on
    # PostgreSQL, an OverflowError on SQLite).
    documented_transfer()
    params = {"page": page, "page_size": page_size}
    error = assert_json_error(api_client.get(f"{API}/{endpoint}/", params))
    assert "cursor" in error["page"][0]


def test_a_page_past_the_last_within_the_depth_is_still_a_plain_404(api_client):
    # Deeper than numbered pages reach is a 400 (test_pagination); within the
    # depth, a page past the last one is the usual 404.
    documented_transfer()
    assert_json_error(api_client.get(f"{API}/transfers/", {"page": 100, "page_size": 100}), 404)


# --- tampered cursors ----------------------------------------------------------------


def next_token(response) -> str:
    body = response.json()
    assert body["next"], body
    return body["next"].split("cursor=")[1].split("&")[0]


def decode(token):
    return orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def encode(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def tampered(token, index, value):
    payload = decode(token)
    payload["v"][index] = value
    return encode(payload)


@pytest.fixture
def transfers():
    transfers = [TransferFactory() for _ in range(3)]
    # Values, for a decimal key (/values/?ordering=amount).
    for amount in ("12.50", "3.00", "7.25"):
        ValueFactory(transfer=transfers[0], amount=amount)
    return transfers


#: The list each ordering below is of: `amount` (a decimal key) is the values'.
ORDERED_LIST = {"amount": "values"}


# The default order of transfers: (start date or a far date, id).
DATE_KEY, ID_KEY = 0, 1
TAMPERED_CURSORS = [
    ("date key as an int", DATE_KEY, 20160101),
    ("date key as a list", DATE_KEY, ["2016-01-01"]),
    ("date key as a NaN number", DATE_KEY, {"n": "NaN"}),
    ("date key as plain text", DATE_KEY, "yesterday"),
    ("date key with an int inside", DATE_KEY, {"d": 2016}),
    ("date key as a timestamp", DATE_KEY, {"dt": "2016-01-01T00:00:00+00:00"}),
    ("id as SQL", ID_KEY, "1 OR 1=1"),
    ("id as a null character", ID_KEY, "\u0000"),
    ("id as a float", ID_KEY, 1.5),
    ("id as a boolean", ID_KEY, True),
    ("id beyond a bigint", ID_KEY, 2**64 - 1),
    ("id as an object", ID_KEY, {"n": "1"}),
]


@pytest.mark.parametrize(
    ("index", "value"),
    [case[1:] for case in TAMPERED_CURSORS],
    ids=[c[0] for c in TAMPERED_CURSORS],
)
def test_a_cursor_with_a_value_of_the_wrong_type_is_a_400(api_client, transfers, index, value):
    url = f"{API}/transfers/"
    token = next_token(api_client.get(url, {"cursor": "", "page_size": 1}))
    error = assert_json_error(api_client.get(url, {"cursor": tampered(token, index, value)}))
    assert "Invalid cursor" in error["cursor"][0]


@pytest.mark.parametrize(
    "endpoint", ["actors", "systems", "sources", "citations", "status-events", "flows"]
)
@pytest.mark.parametrize("value", [[], {"d": "2016-01-01"}, "\u0000", 2**64 - 1])
def test_every_key_of_every_cursor_list_is_checked(api_client, endpoint, value):
    # Found by the tampering fuzz step: a list in any key of any list was a 500.
    documented_transfer()
    documented_transfer()
    url = f"{API}/{endpoint}/"
    token = next_token(api_client.get(url, {"cursor": "", "page_size": 1}))
    checked = 0
    for index in range(len(decode(token)["v"])):
        response = api_client.get(url, {"cursor": tampered(token, index, value)})
        if response.status_code == 200:
            continue  # the value was of this key's type (a date for a date key)
        assert "Invalid cursor" in assert_json_error(response)["cursor"][0], index
        checked += 1
    assert checked


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranked search is PostgreSQL's")
@pytest.mark.parametrize(
    "rank",
    ["high", {"n": "NaN"}, None, [0.5], "\u0000"],
    ids=["text", "nan", "null", "list", "nul"],
)
def test_a_cursor_with_a_tampered_search_rank_is_a_400(api_client, rank):
    for _ in range(3):
        TransferFactory(notes="missile")
    url = f"{API}/transfers/"
    params = {"search": "missile", "page_size": 1}
    token = next_token(api_client.get(url, {**params, "cursor": ""}))
    assert isinstance(decode(token)["v"][0], float)  # the rank leads
    response = api_client.get(url, {**params, "cursor": tampered(token, 0, rank)})
    if rank is None:
        # A rank is never null, but null is a value the keyset handles.
        assert response.status_code in (200, 400), response.content
    else:
        assert "Invalid cursor" in assert_json_error(response)["cursor"][0]


@pytest.mark.parametrize(
    ("ordering", "value"),
    [
        ("-updated", {"d": "2016-01-01"}),
        ("-updated", {"dt": "2016-01-01T00:00:00"}),  # no time zone
        ("-updated", {"dt": "yesterday"}),
        ("quantity", "many"),
        ("quantity", 2**63),
        ("amount", {"n": "Infinity"}),
        ("amount", {"n": "1e999999"}),
        ("amount", 12),
    ],
)
def test_a_cursor_with_a_value_wrong_for_its_ordering_is_a_400(
    api_client, transfers, ordering, value
):
    url = f"{API}/{ORDERED_LIST.get(ordering, 'transfers')}/"
    params = {"ordering": ordering, "page_size": 1}
    token = next_token(api_client.get(url, {**params, "cursor": ""}))
    response = api_client.get(url, {**params, "cursor": tampered(token, 0, value)})
    assert "Invalid cursor" in assert_json_error(response)["cursor"][0]


@pytest.mark.parametrize("ordering", ["", "-updated", "quantity", "amount", "-start_date"])
def test_an_untouched_cursor_still_works_for_each_key_type(api_client, transfers, ordering):
    url = f"{API}/{ORDERED_LIST.get(ordering, 'transfers')}/"
    params = {"ordering": ordering, "page_size": 1} if ordering else {"page_size": 1}
    token = next_token(api_client.get(url, {**params, "cursor": ""}))
    response = api_client.get(url, {**params, "cursor": token})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    "payload",
    [[], {"o": "x"}, {"v": []}, {"o": None, "v": None}, "text", {"o": [], "v": {}}],
    ids=["list", "no values", "no ordering", "nulls", "text", "wrong shapes"],
)
def test_a_cursor_of_the_wrong_shape_is_a_400(api_client, transfers, payload):
    response = api_client.get(f"{API}/transfers/", {"cursor": encode(payload)})
    assert "cursor" in assert_json_error(response)


# --- null characters in the path -----------------------------------------------------


def detail_paths(schema):
    for route, methods in schema["paths"].items():
        if "{id}" in route and "get" in methods:
            yield route


def test_a_null_character_as_any_record_id_is_a_json_404(api_client):
    # Found: /api/v1/actors/%00/profile/ was a 500 on PostgreSQL.
    documented_transfer()
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    routes = list(detail_paths(schema))
    assert f"{API}/actors/{{id}}/profile/" in routes
    for route in routes:
        for value in ("%00", "a%00b", "1%00"):
            response = api_client.get(route.replace("{id}", value))
            assert response.status_code == 404, (route, value, response.content)
            assert response["Content-Type"].startswith("application/json"), route


# --- deep JSON ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100_000, 2_000])
@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_json_body_nested_too_deep_is_a_400(editor, depth, opening):
    # Found: a body nested 100,000 levels deep was a 500 (RecursionError).
    closing = "]" if opening == "[" else "}"
    body = opening * depth + "1" + closing * depth
    response = editor.post(f"{API}/actors/", body, content_type="application/json")
    assert "nested" in assert_json_error(response)["detail"]


def test_a_json_value_nested_too_deep_inside_a_field_is_a_400(editor):
    body = '{"name": "Deep", "slug": "deep", "kind": "company", "aliases": ' + "[" * 5000
    body += "]" * 5000 + "}"
    response = editor.post(f"{API}/actors/", body, content_type="application/json")
    assert "nested" in assert_json_error(response)["detail"]


def test_ordinary_nesting_is_still_read(editor, russia, iran, s300):
    body = {
        "supplier": {"id": russia.pk},
        "recipient": "iran",
        "system": "s-300",
        "initial_stage": {"stage": "under_discussion"},
    }
    response = editor.post(f"{API}/transfers/", body, format="json")
    assert response.status_code == 201, response.content


# --- whatever else fails is a JSON 500 ------------------------------------------------


def _raising_view(request):
    raise RuntimeError("a bug the tests put here")


@pytest.fixture
def failing_urls(settings):
    """The project's URLs plus views that raise, under /api/ and outside it."""
    from rest_framework.decorators import api_view, permission_classes
    from rest_framework.permissions import AllowAny

    drf_view = api_view(["GET"])(permission_classes([AllowAny])(_raising_view))
    module = type("urls", (), {})()
    module.urlpatterns = [
        path("api/v1/test-failure/", drf_view),
        path("api/test-failure-plain/", _raising_view),
        path("elsewhere/test-failure/", _raising_view),
        *project_urlpatterns,
    ]
    import config.urls

    module.handler500 = getattr(config.urls, "handler500", None)
    settings.ROOT_URLCONF = module
    return module


@pytest.mark.parametrize("url", ["/api/v1/test-failure/", "/api/test-failure-plain/"])
def test_an_unhandled_exception_under_the_api_is_a_json_500(api_client, failing_urls, url):
    api_client.raise_request_exception = False
    response = api_client.get(url, HTTP_ACCEPT="text/html")
    body = assert_json_error(response, 500)
    assert set(body) == {"detail"}
    assert "a bug the tests put here" not in response.content.decode()  # nothing leaks


def test_an_unhandled_exception_elsewhere_is_still_the_html_page(client, failing_urls):
    client.raise_request_exception = False
    response = client.get("/elsewhere/test-failure/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_an_unhandled_exception_is_still_logged(api_client, failing_urls, caplog):
    api_client.raise_request_exception = False
    with caplog.at_level("ERROR", logger="django.request"):
        api_client.get("/api/v1/test-failure/")
    assert any("a bug the tests put here" in str(r.exc_info) for r in caplog.records)
