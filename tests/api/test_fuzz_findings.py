"""Regression tests for what schemathesis (.ci/fuzz_api.py) and the
permission matrix found: each was a server error or a response the OpenAPI
schema did not describe."""

import pytest

from tests.helpers import API, documented_transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    return api_client.get("/api/schema/", {"format": "json"}).json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_page_zero_is_a_documented_400_not_an_undocumented_404(api_client, schema):
    # Found: GET /api/v1/<list>/?page=0 answered 404 "Invalid page.", which no
    # list documented.
    for endpoint in ("actors", "transfers", "flows", "deleted"):
        params = {"page": 0, "since": "2000-01-01T00:00:00Z"}
        response = api_client.get(f"{API}/{endpoint}/", params)
        assert response.status_code == 400, endpoint
        assert "page" in response.json()
        assert "400" in schema["paths"][f"{API}/{endpoint}/"]["get"]["responses"]


def test_a_list_documents_the_404_of_a_page_past_the_last(api_client, schema):
    assert api_client.get(f"{API}/actors/", {"page": 2}).status_code == 404
    assert "404" in schema["paths"][f"{API}/actors/"]["get"]["responses"]


@pytest.mark.parametrize("path", [f"{API}/network/", f"{API}/actors/{{id}}/profile/"])
def test_single_object_responses_are_not_documented_as_arrays(schema, path):
    # Found: the network and an actor's profile return one object, but the
    # schema said an array of them (both are list views underneath).
    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    assert "$ref" in body["schema"], body


def test_the_profile_documents_its_400_for_a_bad_filter(api_client, schema):
    # Found: GET /actors/{id}/profile/?supplier_id=0 answered 400, documented
    # were only 200, 308 and 404 (and it never answers 308).
    transfer = documented_transfer()
    url = f"{API}/actors/{transfer.supplier_id}/profile/"
    assert api_client.get(url, {"supplier_id": "0"}).status_code == 400
    responses = schema["paths"][f"{API}/actors/{{id}}/profile/"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(responses)
    assert "308" not in responses


def test_restore_documents_its_404_and_409(editor, schema):
    # Found: POST /transfers/0/restore/ answered 404, undocumented.
    assert editor.post(f"{API}/transfers/0/restore/").status_code == 404
    responses = schema["paths"][f"{API}/transfers/{{id}}/restore/"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409"} <= set(responses)


def test_an_unknown_format_is_a_400_naming_the_formats(api_client, schema):
    # Found: GET /network/?format=AAA answered DRF's 404 "Not found.".
    response = api_client.get(f"{API}/network/", {"format": "AAA"})
    assert response.status_code == 400
    assert "gexf" in response.json()["format"][0]
    assert api_client.get(f"{API}/actors/", {"format": "xml"}).status_code == 400


def test_every_get_with_query_parameters_documents_400_and_414(schema):
    # Found: gunicorn answers 414 (as HTML) to a request line over 4094 bytes,
    # which schemathesis reaches with long repeated filters.
    for path, method, operation in operations(schema):
        if method == "get" and any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert {"400", "414"} <= set(operation["responses"]), path
            assert "text/html" in operation["responses"]["414"]["content"], path


def test_detail_reads_document_304_and_bodies_document_413_and_415(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        if method == "get" and path.endswith("{id}/") and "history" not in path:
            assert "304" in responses, path
        if "requestBody" in operation:
            assert {"413", "415"} <= set(responses), (method, path)


def test_the_token_endpoint_documents_no_401_or_403(schema):
    # It is open to anyone (it is the login); it never answers 401 or 403.
    responses = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert not {"401", "403"} & set(responses)


def test_options_on_the_docs_page_is_a_405_not_a_500(api_client):
    # Found by the permission matrix: OPTIONS /api/docs/ rendered the view's
    # metadata through an HTML template that does not exist (a 500).
    assert api_client.options("/api/docs/").status_code == 405
    assert api_client.get("/api/docs/").status_code == 200


@pytest.mark.parametrize(
    ("path", "param"), [(f"{API}/sources/", "updated_since"), (f"{API}/deleted/", "since")]
)
@pytest.mark.parametrize("offset", ["-19:09", "+16:02", "+23:59"])
def test_a_timestamp_with_a_far_utc_offset_is_compared_in_utc(api_client, path, param, offset):
    # Found on PostgreSQL: `updated_since=2630-04-08T08:47:08-16:02` was a 500,
    # because PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
    documented_transfer()
    documented_transfer().delete()
    response = api_client.get(path, {param: f"2000-04-08T08:47:08{offset}"})
    assert response.status_code == 200, response.content
    assert response.json()["count"] > 0


@pytest.mark.parametrize(
    ("path", "param"), [(f"{API}/sources/", "updated_since"), (f"{API}/deleted/", "since")]
)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+23:00", "9999-12-31T23:59:00-05:00"])
def test_a_timestamp_out_of_range_in_utc_is_a_400(api_client, path, param, value):
    response = api_client.get(path, {param: value})
    assert response.status_code == 400, response.content
    assert param in response.json()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("endpoint", ["actors", "transfers", "status-events", "citations"])
def test_options_on_a_detail_outside_a_transaction_is_not_a_500(editor, endpoint):
    # Found on PostgreSQL: OPTIONS asks for the object as a PUT would, and the
    # row lock a write takes was asked for outside any transaction.
    transfer = documented_transfer()
    ids = {
        "actors": transfer.supplier_id,
        "transfers": transfer.pk,
        "status-events": transfer.status_events.first().pk,
        "citations": transfer.citations.first().pk,
    }
    assert editor.options(f"{API}/{endpoint}/0/").status_code == 200
    response = editor.options(f"{API}/{endpoint}/{ids[endpoint]}/")
    assert response.status_code == 200
    assert "PUT" in response.json()["actions"]
