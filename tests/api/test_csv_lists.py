"""`?format=csv` on every list the schema offers: text/csv with a header row,
one row a record, nested objects spread over columns, errors still JSON."""

import csv
import io

import pytest
from django.core.management import call_command

from tests import helpers as support
from tests.helpers import API, documented_transfer

pytestmark = pytest.mark.django_db


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.content.decode()))
    assert reader.fieldnames, "no header row"
    return list(reader)


#: A value for a required query parameter, by its schema's format or type.
REQUIRED_VALUES = {"date-time": "2000-01-01T00:00:00Z", "string": "x", "integer": "1"}


def list_paths(schema) -> list[str]:
    """Every paginated list in the schema, `{id}` filled with a record of its collection."""
    return [
        path
        for path, operations in schema["paths"].items()
        if "page" in {p["name"] for p in operations.get("get", {}).get("parameters", [])}
    ]


def test_every_list_in_the_schema_answers_csv(editor):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)
    support.pending_candidate(documented_transfer())
    schema = editor.get("/api/schema/", {"format": "json"}).json()
    paths = list_paths(schema)
    assert f"{API}/transfers/" in paths and f"{API}/actors/{{id}}/history/" in paths
    for path in paths:
        template = path
        assert "text/csv" in schema["paths"][path]["get"]["responses"]["200"]["content"], path
        if "{id}" in path:
            collection = path.split("{id}")[0]
            records = editor.get(collection).json()["results"]
            assert records, f"the seed has no record of {collection}"
            first = records[0]
            path = path.replace("{id}", str(first["id"]))
        required = {
            p["name"]: REQUIRED_VALUES[p["schema"].get("format", p["schema"]["type"])]
            for p in schema["paths"][template]["get"]["parameters"]
            if p.get("required") and p["in"] == "query"
        }
        as_json = editor.get(path, required).json()
        as_csv = rows(editor.get(path, {**required, "format": "csv"}))
        assert len(as_csv) == len(as_json["results"]), path


def test_a_transfer_row_spreads_its_briefs_and_keeps_lists_as_json(api_client):
    import json

    transfer = documented_transfer()
    [row] = rows(api_client.get(f"{API}/transfers/", {"format": "csv"}))
    assert row["id"] == str(transfer.pk)
    assert row["supplier.name"] == transfer.supplier.name
    assert row["supplier.slug"] == transfer.supplier.slug
    citations = json.loads(row["citations"])
    assert [c["id"] for c in citations] == list(transfer.citations.values_list("id", flat=True))


def test_an_empty_list_still_has_its_header(api_client):
    response = api_client.get(f"{API}/actors/", {"format": "csv"})
    assert rows(response) == []
    header = response.content.decode().splitlines()[0]
    assert '"slug"' in header and '"name"' in header


def test_the_page_links_move_to_headers(api_client):
    from actors.factories import ActorFactory

    ActorFactory.create_batch(3)
    response = api_client.get(f"{API}/actors/", {"format": "csv", "page_size": 2})
    assert len(rows(response)) == 2
    assert 'rel="next"' in response["Link"] and "page=2" in response["Link"]
    assert response["X-Total-Count"] == "3"


def test_text_a_spreadsheet_would_run_is_quoted(api_client):
    from actors.factories import ActorFactory

    ActorFactory(name="=HYPERLINK(1)")
    [row] = rows(api_client.get(f"{API}/actors/", {"format": "csv"}))
    assert row["name"] == "'=HYPERLINK(1)"


def test_a_bad_filter_with_csv_is_a_json_400(api_client):
    response = api_client.get(f"{API}/transfers/", {"format": "csv", "year_from": "soon"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "year_from" in response.json()


def test_an_unknown_format_names_csv_among_those_offered(api_client):
    response = api_client.get(f"{API}/actors/", {"format": "xlsx"})
    assert response.status_code == 400
    assert "csv" in response.json()["format"][0]
