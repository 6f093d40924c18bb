"""The schema's promises a client generated from it relies on (issue 16).

Each test names what broke openapi-python-client or datamodel-code-generator
before: request bodies in three media types (no create module imported),
reads typed as needing a token, repeatable filters typed as one string, the
`X-Change-Reason` header missing, an error model per operation, GraphML
parsed as JSON, a `BlankEnum`. CI goes further (.ci/generated_client.py):
it generates the client from the served schema and runs a script with it."""

import json
import xml.etree.ElementTree as ElementTree

import jsonschema
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.helpers import API, documented_transfer

pytestmark = pytest.mark.django_db

WRITES = ("post", "put", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_read_may_be_anonymous(schema):
    reads = [(p, op) for p, method, op in operations(schema) if method == "get"]
    assert len(reads) > 40
    for path, operation in reads:
        assert {} in operation["security"], path
        # …and still names the token, for the higher rate and staff-only fields.
        assert {"tokenAuth": []} in operation["security"], path


def test_writes_need_a_token_except_the_login(schema):
    for path, method, operation in operations(schema):
        if method in WRITES and path != "/api/auth/token/":
            assert {} not in operation["security"], (method, path)
    assert {} in schema["paths"]["/api/auth/token/"]["post"]["security"]


def test_request_bodies_are_json_only(schema):
    bodies = [
        (path, method, operation["requestBody"])
        for path, method, operation in operations(schema)
        if "requestBody" in operation
    ]
    assert len(bodies) > 30
    for path, method, body in bodies:
        assert list(body["content"]) == ["application/json"], (method, path)


@pytest.mark.parametrize(
    ("path", "name", "item_type"),
    [
        ("transfers", "supplier", "string"),
        ("transfers", "supplier_id", "integer"),
        ("transfers", "party", "string"),
        ("transfers", "system", "string"),
        ("transfers", "system_id", "integer"),
        ("citations", "source", "string"),
        ("network", "recipient", "string"),
        ("flows", "party", "string"),
    ],
)
def test_reference_filters_are_repeatable_arrays(schema, path, name, item_type):
    parameters = schema["paths"][f"{API}/{path}/"]["get"]["parameters"]
    (parameter,) = [p for p in parameters if p["name"] == name and p["in"] == "query"]
    assert parameter["schema"]["type"] == "array"
    assert parameter["schema"]["items"]["type"] == item_type
    assert (parameter["style"], parameter["explode"]) == ("form", True)


def test_repeated_reference_filters_are_ored(api_client):
    russian = documented_transfer(supplier__slug="russia")
    iranian = documented_transfer(supplier__slug="iran")
    documented_transfer(supplier__slug="brazil")
    response = api_client.get(f"{API}/transfers/", {"supplier": ["russia", "iran"]})
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {russian.id, iranian.id}


def test_writes_that_keep_a_change_reason_document_the_header(schema):
    documented = []
    for path, method, operation in operations(schema):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if "X-Change-Reason" in headers:
            assert headers["X-Change-Reason"].get("required", False) is False
            assert headers["X-Change-Reason"]["schema"] == {"type": "string"}
            documented.append((method, path))
    for endpoint in ("actors", "transfers", "citations", "sources", "source-texts"):
        assert ("post", f"{API}/{endpoint}/") in documented
    assert ("patch", f"{API}/transfers/{{id}}/") in documented
    assert ("put", f"{API}/actors/{{id}}/") in documented
    # Neither reads nor deletes keep a reason, nor do actions that are not edits.
    assert all(method in ("post", "put", "patch") for method, _path in documented)
    assert ("delete", f"{API}/actors/{{id}}/") not in documented
    assert ("post", f"{API}/candidates/{{id}}/accept/") not in documented


def test_path_ids_are_typed_as_the_route_looks_them_up(schema):
    def id_parameter(path, method="get"):
        (parameter,) = [p for p in schema["paths"][path][method]["parameters"] if p["in"] == "path"]
        return parameter["schema"]

    integer = {"type": "integer"}
    for path in (
        f"{API}/source-texts/{{id}}/",
        f"{API}/status-events/{{id}}/",
        f"{API}/citations/{{id}}/",
        f"{API}/candidates/{{id}}/",
    ):
        assert id_parameter(path) == integer, path
    assert id_parameter(f"{API}/transfers/{{id}}/restore/", "post") == integer
    for path in (
        f"{API}/actors/{{id}}/",
        f"{API}/transfers/{{id}}/",
        f"{API}/actors/{{id}}/profile/",
        f"{API}/sources/{{id}}/candidates/",
    ):
        assert id_parameter(path)["type"] == "string", path


def test_errors_are_one_shared_component(schema):
    error_responses = 0
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            json_body = response.get("content", {}).get("application/json")
            if code.startswith(("4", "5")) and json_body is not None:
                assert json_body["schema"] == ERROR_REF, (method, path, code)
                error_responses += 1
    assert error_responses > 200
    assert schema["components"]["schemas"]["Error"]["type"] == "object"


def test_no_blank_enum_empty_choices_are_the_empty_string(schema):
    schemas = schema["components"]["schemas"]
    assert "BlankEnum" not in schemas
    condition = schemas["Transfer"]["properties"]["condition"]
    assert condition["anyOf"] == [
        {"$ref": "#/components/schemas/ConditionEnum"},
        {"type": "string", "maxLength": 0},
    ]
    assert "" not in schemas["ConditionEnum"]["enum"]


def test_the_network_json_and_files_are_operations_of_their_own(schema):
    def ok(path):
        return schema["paths"][f"{API}/{path}"]["get"]["responses"]["200"]["content"]

    assert list(ok("network/")) == ["application/json"]
    assert ok("network/")["application/json"]["schema"] == {"$ref": "#/components/schemas/Network"}
    binary = {"type": "string", "format": "binary"}
    assert ok("network.graphml") == {"application/graphml+xml": {"schema": binary}}
    assert ok("network.gexf") == {"application/gexf+xml": {"schema": binary}}


@pytest.mark.parametrize(
    ("path", "media_type", "root"),
    [
        ("network.graphml", "application/graphml+xml", "graphml"),
        ("network.gexf", "application/gexf+xml", "gexf"),
    ],
)
def test_the_network_files_are_served_where_the_schema_says(api_client, path, media_type, root):
    documented_transfer(supplier__slug="russia")
    response = api_client.get(f"{API}/{path}", {"supplier": "russia"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(media_type)
    body = b"".join(response.streaming_content)
    assert ElementTree.fromstring(body).tag.endswith(root)
    # The same file as before at ?format= (the README's links).
    same = api_client.get(f"{API}/network/", {"supplier": "russia", "format": path.split(".")[1]})
    assert b"".join(same.streaming_content) == body


def test_a_bad_filter_on_a_network_file_is_a_json_error(api_client):
    response = api_client.get(f"{API}/network.graphml", {"year_from": "soon"})
    assert response.status_code == 400
    assert "year_from" in response.json()


def as_json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable: true` becomes "or
    null" (JSON Schema has no `nullable`, so a validator would otherwise
    ignore it and pass nulls anywhere or nowhere), refs point into `$defs`."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: (
            {k: as_json_schema(v) for k, v in value.items()}
            if key == "properties"
            else as_json_schema(value)
        )
        for key, value in node.items()
        if key not in ("nullable", "readOnly", "writeOnly", "example", "format")
    }
    if "$ref" in converted:
        converted["$ref"] = converted["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


REQUIRED_QUERY = {f"{API}/deleted/": {"since": "2000-01-01T00:00:00Z"}}


def test_seed_responses_match_the_schema_with_nulls_only_where_nullable(schema, api_client, editor):
    """datamodel-code-generator's models refused list responses that held a
    null the schema did not allow, or lacked a field it required. Every read
    of the seed, list and detail, against its 200 schema, read strictly; with
    a new text, which the assistant reads into candidates not yet accepted."""
    call_command("load_seed", verbosity=0)
    text = "Russia agreed to supply 24 Su-35 fighter jets to Iran in 2023, officials said."
    response = editor.post(
        f"{API}/sources/", {"slug": "new-report", "kind": "news", "text": text}, format="json"
    )
    assert response.status_code == 201, response.json()
    candidates = api_client.get(f"{API}/sources/new-report/candidates/").json()["results"]
    assert any(candidate["transfer"] is None for candidate in candidates)
    definitions = as_json_schema(schema["components"]["schemas"])
    checked = 0
    ids = {}
    for path, method, operation in sorted(operations(schema), key=lambda row: "{" in row[0]):
        content = operation["responses"].get("200", {}).get("content", {})
        if method != "get" or "application/json" not in content:
            continue
        if "{id}" in path:
            collection = path.split("{id}")[0]
            if collection not in ids:
                continue
            path = path.replace("{id}", str(ids[collection]))
        query = {"page_size": 500, **REQUIRED_QUERY.get(path, {})} if "{" not in path else {}
        response = api_client.get(path, query)
        assert response.status_code == 200, path
        body = (
            json.loads(b"".join(response.streaming_content))
            if response.streaming
            else response.json()
        )
        if isinstance(body, dict) and body.get("results"):
            ids[path] = body["results"][0].get("id")
        validator = jsonschema.Draft202012Validator(
            {**as_json_schema(content["application/json"]["schema"]), "$defs": definitions}
        )
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(body)
        ]
        assert not errors, (path, errors[:5])
        checked += 1
    assert checked > 25
