"""The fuzzing schemathesis does not do: input crafted against what the
server does inside, not against the schema's shapes.

Schemathesis sees `cursor` as any string (so nearly every one it sends is
not even base64 JSON) and bodies in the schema's shape. These checks take
real `next` cursors and put generated values of every JSON type in each sort
key's place (hypothesis, a fixed seed), send bodies nested past any depth a
request needs, page numbers past any OFFSET a database takes, and a null
character as every record id. Each answer must be JSON and a 4xx (or a 200
where the tampered value happens to be of the right type), never a 5xx.

Run by fuzz_api.py against the server it starts (its `tampering` step).
"""

import base64
import json
from urllib.parse import parse_qs, urlparse

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MAX_ID = 2**63 - 1

# Values a sort key might be tampered to: every JSON type, the cursor's own
# tagged forms ({"d": …}, {"dt": …}, {"n": …}) with any text, and the
# classics (SQL, NUL, NaN, numbers past 64 bits).
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["1 OR 1=1", "\x00", "NaN", "Infinity", "2016-01-01", "1e999999"])
)
_tagged = st.builds(
    lambda tag, text: {tag: text},
    st.sampled_from(["d", "dt", "n"]),
    st.text(max_size=30)
    | st.sampled_from(["NaN", "-Infinity", "2016-01-01", "2016-01-01T00:00:00", "9999-12-31"]),
)
CURSOR_VALUES = st.recursive(
    _scalars | _tagged,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children)
    ),
    max_leaves=5,
)


class Failures(list):
    def check(self, response, allowed, what):
        json_body = response.headers.get("Content-Type", "").startswith("application/json")
        if response.status_code not in allowed or not json_body:
            self.append(f"{what}: {response.status_code} {response.text[:300]!r}")
            return False
        return True


def _token(url: str) -> str:
    return parse_qs(urlparse(url).query)["cursor"][0]


def _decode(token: str):
    return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))


def _encode(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _lists(schema):
    """(path, orderings) of every list that pages by cursor and needs no id."""
    for path, operations in schema["paths"].items():
        parameters = {p["name"]: p for p in operations.get("get", {}).get("parameters", [])}
        if "cursor" in parameters and "{" not in path:
            ordering = parameters.get("ordering", {}).get("schema", {})
            yield path, [""] + ordering.get("items", {}).get("enum", [])


EXTRA_PARAMS = {"/api/v1/deleted/": {"since": "2000-01-01T00:00:00Z"}}


def tamper_cursors(session, base, schema, examples, failures):
    sent = 0
    for path, orderings in _lists(schema):
        params = {**EXTRA_PARAMS.get(path, {}), "page_size": 1}
        tokens = {}
        for ordering in orderings:
            query = {**params, "cursor": "", **({"ordering": ordering} if ordering else {})}
            response = session.get(f"{base}{path}", params=query)
            sent += 1
            if failures.check(response, {200, 400}, f"GET {path} {query}") and (
                response.status_code == 200 and response.json()["next"]
            ):
                tokens[ordering] = _token(response.json()["next"])
        if tokens:
            sent += _tamper_list(session, f"{base}{path}", params, tokens, examples, failures)
        else:
            print(f"   {path}: no second page by cursor, nothing to tamper with")
    return sent


def _tamper_list(session, url, params, tokens, examples, failures):
    sent = 0

    @settings(
        max_examples=examples,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(ordering=st.sampled_from(sorted(tokens)), data=st.data())
    def check(ordering, data):
        nonlocal sent
        payload = _decode(tokens[ordering])
        how = data.draw(st.sampled_from(["key", "payload", "signature"]))
        if how == "key":
            index = data.draw(st.integers(0, len(payload["v"]) - 1))
            payload["v"][index] = data.draw(CURSOR_VALUES)
        elif how == "signature":
            payload["o"] = data.draw(CURSOR_VALUES)
        else:
            payload = data.draw(CURSOR_VALUES)
        query = {**params, "cursor": _encode(payload)}
        if ordering:
            query["ordering"] = ordering
        response = session.get(url, params=query)
        sent += 1
        failures.check(response, {200, 400}, f"GET {url} ordering={ordering!r} cursor={payload!r}")

    check()
    return sent


def deep_bodies(session, base, schema, headers, failures):
    """Bodies nested too deep, whole or inside a field, to every write."""
    sent = 0
    bodies = []
    for depth in (17, 1_025, 100_000):
        bodies.append(("array", "[" * depth + "]" * depth))
        bodies.append(("object", '{"a":' * depth + "1" + "}" * depth))
    bodies.append(("in a field", '{"notes": ' + "[" * 5_000 + "]" * 5_000 + "}"))
    for path, operations in schema["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            url = f"{base}{path}"
            if "{id}" in path:
                listing = session.get(f"{base}{path.split('{id}')[0]}", params={"page_size": 1})
                results = listing.json().get("results") or []
                if not results:
                    continue
                url = url.replace("{id}", str(results[0]["id"]))
            for label, body in bodies:
                response = session.request(
                    method,
                    url,
                    data=body,
                    headers={**headers, "Content-Type": "application/json"},
                )
                sent += 1
                failures.check(response, {400}, f"{method.upper()} {path} nested {label}")
    return sent


def far_pages_and_nul_ids(session, base, schema, failures):
    sent = 0
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get:
            continue
        names = {p["name"] for p in get.get("parameters", [])}
        if "page" in names and "{" not in path:
            params = {**EXTRA_PARAMS.get(path, {}), "page": MAX_ID}
            response = session.get(f"{base}{path}", params=params)
            sent += 1
            failures.check(response, {400}, f"GET {path}?page={MAX_ID}")
        if "{id}" in path:
            for value in ("%00", "a%00b", "1%00"):
                response = session.get(f"{base}{path.replace('{id}', value)}")
                sent += 1
                failures.check(response, {404}, f"GET {path} with id {value}")
    return sent


def run(base: str, token: str, examples: int) -> int:
    """All the checks; the number of failures (each printed)."""
    session = requests.Session()
    session.request = _with_timeout(session.request)
    schema = session.get(f"{base}/api/schema/", params={"format": "json"}).json()
    failures = Failures()
    counts = {
        "tampered cursors": tamper_cursors(session, base, schema, examples, failures),
        "deep bodies": deep_bodies(
            session, base, schema, {"Authorization": f"Token {token}"}, failures
        ),
        "far pages and NUL ids": far_pages_and_nul_ids(session, base, schema, failures),
    }
    for name, sent in counts.items():
        print(f"   {name}: {sent} requests")
    for failure in failures:
        print(f"   FAILED {failure}")
    print(f"== tampering: {sum(counts.values())} requests, {len(failures)} failed")
    return len(failures)


def _with_timeout(request):
    def bounded(*args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return request(*args, **kwargs)

    return bounded
