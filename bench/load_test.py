#!/usr/bin/env python3
"""A bounded load test: gunicorn on PostgreSQL with the seed, hit on loopback
for a fixed time by client threads mixing reads (~90%) with an editor's
writes (~10%), then a count of what was written against what is stored.

    .venv/bin/python bench/load_test.py postgres://postgres@127.0.0.1:5432/h8_load \
        [--duration 60] [--clients 8] [--workers 3]

The database named is dropped and made anew. The app runs with the
production settings (DEBUG off, database cache), except that throttling is
off: every client here comes from one address. Prints throughput and latency
percentiles; exits non-zero on any error or any acknowledged write that is
not stored.
"""

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

READ_MIX = [
    # (weight, name, path or callable(rng, seed) -> path)
    (25, "transfer list, filtered", None),
    (25, "transfer detail", None),
    (15, "flows", None),
    (15, "search", None),
    (10, "actor detail", None),
]
WRITE_SHARE = 0.10
FILTERS = [
    {"supplier": "russia"},
    {"recipient": "iran"},
    {"status": "confirmed"},
    {"party": "iran", "year_from": "2015"},
    {"category": "uav", "ordering": "-start_date"},
    {"status": ["reported", "confirmed"], "page_size": "20"},
]
SEARCHES = ["shahed", "drone", "missile", "S-300", "IRGC", "Houthi"]


class Seed:
    def __init__(self, transfers, actors, systems):
        self.transfers, self.actors, self.systems = transfers, actors, systems


def request(port, method, path, body=None, token=None, timeout=30):
    connection = http.client.HTTPConnection(harness.LOOPBACK, port, timeout=timeout)
    headers = {"Accept": "application/json"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def read_path(rng: random.Random, seed: Seed) -> tuple[str, str]:
    name = rng.choices([n for _w, n, _p in READ_MIX], weights=[w for w, _n, _p in READ_MIX])[0]
    if name == "transfer list, filtered":
        return name, "/api/v1/transfers/?" + urlencode(rng.choice(FILTERS), doseq=True)
    if name == "transfer detail":
        return name, f"/api/v1/transfers/{rng.choice(seed.transfers)}/"
    if name == "flows":
        return name, "/api/v1/flows/?" + urlencode(rng.choice(FILTERS[:4]), doseq=True)
    if name == "search":
        return name, "/api/v1/transfers/?" + urlencode({"search": rng.choice(SEARCHES)})
    return name, f"/api/v1/actors/{rng.choice(seed.actors)}/"


def write_request(rng: random.Random, seed: Seed, marker: str, label: str):
    if rng.random() < 0.5:
        body = {
            "transfer": rng.choice(seed.transfers),
            "status": rng.choice(["reported", "confirmed", "requested"]),
            "date": f"{rng.randint(2000, 2024)}",
            "note": f"{marker} {label}",
        }
        return "write: status event", "/api/v1/status-events/", body
    supplier, recipient = rng.sample(seed.actors, 2)
    body = {
        "supplier": supplier,
        "recipient": recipient,
        "system": rng.choice(seed.systems),
        "transfer_type": "sale",
        "start_date": f"{rng.randint(1990, 2024)}",
        "notes": f"{marker} {label}",
        "initial_status": {"status": "reported"},
    }
    return "write: transfer", "/api/v1/transfers/", body


def client_loop(index, port, token, seed, marker, deadline, results, lock):
    rng = random.Random(1000 + index)
    local = []
    count = 0
    while time.monotonic() < deadline:
        count += 1
        if rng.random() < WRITE_SHARE:
            kind, path, body = write_request(rng, seed, marker, f"c{index}-{count}")
            method, expected = "POST", 201
        else:
            kind, path = read_path(rng, seed)
            body, method, expected = None, "GET", 200
        started = time.perf_counter()
        try:
            status, _content = request(port, method, path, body, token if body else None)
            error = None if status == expected else f"{status} {method} {path}"
        except OSError as exc:
            status, error = None, f"{type(exc).__name__} {method} {path}: {exc}"
        local.append((kind, time.perf_counter() - started, status, error))
    with lock:
        results.extend(local)


def percentiles(values):
    if len(values) < 2:
        return {"p50": values[0] if values else 0, "p95": 0, "p99": 0}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def stored_counts(database_url, marker):
    import psycopg

    with psycopg.connect(database_url) as connection:
        one = connection.execute
        return {
            "status events": one(
                "SELECT count(*) FROM transfers_statusevent WHERE note LIKE %s", [marker + "%"]
            ).fetchone()[0],
            "transfers": one(
                "SELECT count(*) FROM transfers_transfer WHERE notes LIKE %s", [marker + "%"]
            ).fetchone()[0],
            "status event versions": one(
                "SELECT count(*) FROM transfers_historicalstatusevent "
                "WHERE note LIKE %s AND history_type = '+'",
                [marker + "%"],
            ).fetchone()[0],
            "transfer versions": one(
                "SELECT count(*) FROM transfers_historicaltransfer "
                "WHERE notes LIKE %s AND history_type = '+'",
                [marker + "%"],
            ).fetchone()[0],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="a PostgreSQL database to drop and make anew")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    options = parser.parse_args()
    if not options.database_url.startswith("postgres"):
        parser.error("the load test runs against PostgreSQL")

    sys.path.insert(0, str(ROOT / ".ci"))
    from fuzz_api import reset_postgres

    reset_postgres(options.database_url)
    scratch = Path(tempfile.mkdtemp(prefix="load-test-"))
    env = harness.production_env(
        options.database_url,
        ANON_THROTTLE_RATE="",
        USER_THROTTLE_RATE="",
        LOGIN_THROTTLE_RATE="",
        LOG_LEVEL="ERROR",
        STATIC_ROOT=str(scratch / "static"),
    )
    env.pop("CACHE_URL", None)
    harness.manage(env, "migrate", "--noinput", "--verbosity", "0")
    harness.manage(env, "createcachetable")
    harness.manage(env, "load_seed")
    token = harness.manage(env, "create_editor", "load-editor", "--token-only", capture=True)
    token = token.strip()

    port = harness.free_port()
    marker = f"load-{uuid.uuid4().hex[:12]}"
    log = scratch / "gunicorn.log"
    command = harness.gunicorn_command(port, options.workers)
    with harness.running(command, env, f"http://{harness.LOOPBACK}:{port}/api/v1/", log):
        listing = json.loads(request(port, "GET", "/api/v1/transfers/?page_size=500")[1])
        transfers = [t["slug"] for t in listing["results"]]
        actors = sorted(
            {t["supplier"]["slug"] for t in listing["results"]}
            | {t["recipient"]["slug"] for t in listing["results"]}
        )
        systems = sorted({t["system"]["slug"] for t in listing["results"]})
        seed = Seed(transfers, actors, systems)

        results, lock = [], threading.Lock()
        started = time.monotonic()
        deadline = started + options.duration
        threads = [
            threading.Thread(
                target=client_loop,
                args=(i, port, token, seed, marker, deadline, results, lock),
            )
            for i in range(options.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=options.duration + 60)
        elapsed = time.monotonic() - started

    errors = [error for _kind, _latency, _status, error in results if error]
    acknowledged = {
        "status events": sum(
            1 for k, _l, s, _e in results if k == "write: status event" and s == 201
        ),
        "transfers": sum(1 for k, _l, s, _e in results if k == "write: transfer" and s == 201),
    }
    stored = stored_counts(options.database_url, marker)
    latencies = [latency * 1000 for _k, latency, _s, _e in results]
    by_kind = {}
    for kind, latency, _status, _error in results:
        by_kind.setdefault(kind, []).append(latency * 1000)
    figures = {
        "duration_s": round(elapsed, 1),
        "clients": options.clients,
        "gunicorn_workers": options.workers,
        "requests": len(results),
        "throughput_rps": round(len(results) / elapsed, 1),
        "latency_ms": {k: round(v, 1) for k, v in percentiles(latencies).items()},
        "by_kind": {
            kind: {"requests": len(values)}
            | {k: round(v, 1) for k, v in percentiles(values).items()}
            for kind, values in sorted(by_kind.items())
        },
        "errors": len(errors),
        "writes_acknowledged": acknowledged,
        "writes_stored": stored,
    }
    print(json.dumps(figures, indent=2))
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2) + "\n")
    for error in errors[:20]:
        print("error:", error, file=sys.stderr)
    lost = (
        stored["status events"] != acknowledged["status events"]
        or stored["transfers"] != acknowledged["transfers"]
        or stored["status event versions"] != acknowledged["status events"]
        or stored["transfer versions"] != acknowledged["transfers"]
    )
    if lost:
        print("acknowledged writes and stored rows differ", file=sys.stderr)
    if "Traceback" in log.read_text():
        print(f"server log has a traceback: {log}", file=sys.stderr)
        return 1
    return 1 if errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
