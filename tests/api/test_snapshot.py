"""The API's JSON for the seed, byte for byte, against a stored snapshot.

A guard for refactoring (issue 13: "the API's JSON for the seed is
byte-for-byte the same before and after"): every list the API root links
to, each at one page of up to 500, then the detail of every record those
lists hold, each with its history (and each actor's profile), then the
deletions feed, flows, the network in its three formats and both exports
(`UNLINKED`). The bodies are compared as bytes, with
one exception: the timestamps the database sets when the seed is loaded
(`created`, `updated`, a history row's date), which differ on every load
and are replaced by a placeholder.

A change that means to alter the JSON regenerates the snapshot, and the
diff of `tests/api/snapshots/seed_api.jsonl` is then the change a reviewer
reads:

    UPDATE_API_SNAPSHOT=1 python -m pytest tests/api/test_snapshot.py
"""

import json
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.helpers import API

# The seed's records take their ids from the sequences, which other tests
# have advanced (PostgreSQL does not roll a sequence back): start them at 1.
pytestmark = pytest.mark.django_db(transaction=True, reset_sequences=True)

SNAPSHOT = Path(__file__).parent / "snapshots" / "seed_api.jsonl"
#: A date and time with seconds: what the database stamps (partial dates,
#: the evidence's own, have no time and are kept).
TIMESTAMP = re.compile(rb'"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"')
PLACEHOLDER = b'"<timestamp>"'
HOST = "http://testserver"
#: The endpoints the API root does not link to, beside each actor's profile.
UNLINKED = [
    f"{API}/deleted/?since=2000-01-01T00:00:00Z",
    f"{API}/flows/?page_size=500",
    f"{API}/flows/?per_year=true&page_size=500",
    f"{API}/network/",
    f"{API}/network/?format=graphml",
    f"{API}/network/?format=gexf",
    f"{API}/exports/trade-register.csv",
    f"{API}/exports/trade-register.datapackage.json",
    f"{API}/exports/transfers.jsonl",
    f"{API}/exports/transfers.ftm.jsonl",
    f"{API}/exports/citations.jsonld",
]


def normalised(body: bytes) -> str:
    return TIMESTAMP.sub(PLACEHOLDER, body).decode()


def get(client, path: str) -> bytes:
    response = client.get(path)  # no Accept: the first renderer, JSON, or the format asked for
    assert response.status_code == 200, (path, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def api_bodies(client) -> dict[str, str]:
    """Path → normalised body, in a stable order."""
    bodies = {}
    root = json.loads(get(client, f"{API}/"))
    details = []
    for url in sorted(root.values()):
        path = url.removeprefix(HOST)
        if not path.startswith(f"{API}/"):
            continue
        page = f"{path}{'&' if '?' in path else '?'}page_size=500"
        body = get(client, page)
        bodies[page] = normalised(body)
        data = json.loads(body)
        records = data.get("results") if isinstance(data, dict) else None
        for record in records or []:
            if isinstance(record, dict) and isinstance(record.get("url"), str):
                details.append(record["url"].removeprefix(HOST))
    for path in sorted(set(details)):
        bodies[path] = normalised(get(client, path))
        bodies[f"{path}history/"] = normalised(get(client, f"{path}history/?page_size=500"))
        if path.startswith(f"{API}/actors/"):
            bodies[f"{path}profile/"] = normalised(get(client, f"{path}profile/"))
    for path in UNLINKED:
        bodies[path] = normalised(get(client, path))
    return bodies


def test_the_api_json_for_the_seed_is_the_snapshot(client):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)
    bodies = api_bodies(client)
    assert len(bodies) > 100  # lists, details and histories: not trivially equal
    lines = [
        json.dumps({"path": path, "body": body}, ensure_ascii=False)
        for path, body in bodies.items()
    ]
    if os.environ.get("UPDATE_API_SNAPSHOT"):
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stored = [json.loads(line) for line in SNAPSHOT.read_text(encoding="utf-8").splitlines()]
    stored_bodies = {entry["path"]: entry["body"] for entry in stored}
    assert list(bodies) == list(stored_bodies), "the set of endpoints changed"
    changed = [path for path in bodies if bodies[path] != stored_bodies[path]]
    assert not changed, f"{len(changed)} bodies differ from the snapshot, first {changed[:5]}"
