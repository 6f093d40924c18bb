#!/usr/bin/env python3
"""A bounded load test: gunicorn on PostgreSQL with the seed, hit on loopback
for a fixed time by client threads mixing reads (~90%) with an editor's
writes (~10%), then a count of what was written against what is stored,
and checks that the derived status and the history are true.

A third of the writes race on purpose: a PATCH of a transfer's quantity
sent at the same moment as a status event for the same transfer (on a
handful of hot transfers, so clients race each other too), and transfers
created without a slug from a handful of parties, systems and years, so
that concurrent creates need the same generated slug.

    .venv/bin/python bench/load_test.py postgres://postgres@127.0.0.1:5432/h8_load \
        [--duration 60] [--clients 8] [--workers 3]

The database named is dropped and made anew. The app runs with the
production settings (DEBUG off, the Redis cache), except that throttling is
off: every client here comes from one address. Prints throughput, latency
percentiles and the invariant checks; exits non-zero on any error, any
acknowledged write that is not stored, or any broken invariant:

- every transfer's status is the status of its latest event;
- every transfer's newest history row is its stored row;
- every transfer history row's status is that of the latest event at the
  time (replayed from the events' history);
- no history row changes the status and another field at once (no write
  changes both: a status change is an event's, an edit leaves the status).
"""

import argparse
import contextlib
import datetime
import http.client
import itertools
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
    {"stage": "agreed"},
    {"party": "iran", "year_from": "2015"},
    {"category": "uav", "ordering": "-start_date"},
    {"stage": ["under_discussion", "agreed"], "page_size": "20"},
]
SEARCHES = ["shahed", "drone", "missile", "S-300", "IRGC", "Houthi"]


class Seed:
    def __init__(self, transfers, actors, systems, hot_creates):
        self.transfers, self.actors, self.systems = transfers, actors, systems
        self.hot_creates = hot_creates  # (supplier, recipient, system, year)


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


# Racing writes go to a few transfers and a few slug bases, so they collide.
HOT_TRANSFERS = 4
HOT_CREATES = 3
RACE_SHARE = 1 / 3
# Racing events are dated after every other event, each later than the one
# before, so each one sets the status (and makes the transfer's row change).
RACE_DATES = itertools.count()
RACE_EPOCH = datetime.date(2025, 1, 1)


def race_requests(rng: random.Random, seed: Seed, marker: str, label: str):
    """A PATCH of a hot transfer's quantity and an event for it, to send at once."""
    transfer = rng.choice(seed.transfers[:HOT_TRANSFERS])
    patch = ("race: quantity patch", "PATCH", f"/api/v1/transfers/{transfer}/", 200)
    event = ("race: status event", "POST", "/api/v1/status-events/", 201)
    return [
        (*patch, {"quantity": rng.randint(1, 10_000)}),
        (
            *event,
            {
                "transfer": transfer,
                "stage": rng.choice(["under_discussion", "agreed", "requested"]),
                "date": (RACE_EPOCH + datetime.timedelta(days=next(RACE_DATES))).isoformat(),
                "note": f"{marker} {label}",
            },
        ),
    ]


def write_request(rng: random.Random, seed: Seed, marker: str, label: str):
    if rng.random() < RACE_SHARE:
        supplier, recipient, system, year = rng.choice(seed.hot_creates)
        body = {
            "supplier": supplier,
            "recipient": recipient,
            "system": system,
            "start_date": year,
            "notes": f"{marker} {label}",
        }
        return "race: create without slug", "/api/v1/transfers/", body
    if rng.random() < 0.5:
        body = {
            "transfer": rng.choice(seed.transfers),
            "stage": rng.choice(["under_discussion", "agreed", "requested"]),
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
        "initial_stage": {"stage": "under_discussion"},
    }
    return "write: transfer", "/api/v1/transfers/", body


def send(port, token, kind, method, path, body, expected):
    """One request, as (kind, latency, status, error or None)."""
    started = time.perf_counter()
    try:
        status, _content = request(port, method, path, body, token if body else None)
        error = None if status == expected else f"{status} {method} {path}"
    except OSError as exc:
        status, error = None, f"{type(exc).__name__} {method} {path}: {exc}"
    return kind, time.perf_counter() - started, status, error


def send_together(port, token, requests):
    """Send `requests` ((kind, method, path, expected, body) each) at one moment."""
    barrier = threading.Barrier(len(requests))
    outcomes = [None] * len(requests)

    def run(index, kind, method, path, expected, body):
        # A broken barrier still sends, just not in step.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=30)
        outcomes[index] = send(port, token, kind, method, path, body, expected)

    threads = [
        threading.Thread(target=run, args=(index, *each)) for index, each in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return [
        outcome or (kind, 0.0, None, f"no answer in time: {method} {path}")
        for outcome, (kind, method, path, _expected, _body) in zip(outcomes, requests, strict=True)
    ]


def client_loop(index, port, token, seed, marker, deadline, results, lock):
    rng = random.Random(1000 + index)
    local = []
    count = 0
    while time.monotonic() < deadline:
        count += 1
        if rng.random() < WRITE_SHARE * RACE_SHARE:
            local.extend(
                send_together(port, token, race_requests(rng, seed, marker, f"c{index}-{count}"))
            )
            continue
        if rng.random() < WRITE_SHARE:
            kind, path, body = write_request(rng, seed, marker, f"c{index}-{count}")
            method, expected = "POST", 201
        else:
            kind, path = read_path(rng, seed)
            body, method, expected = None, "GET", 200
        local.append(send(port, token, kind, method, path, body, expected))
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


# The columns a transfer's history row copies from its row.
HISTORY_COLUMNS_SQL = """
    SELECT column_name FROM information_schema.columns
    WHERE table_name = 'transfers_transfer' AND column_name IN (
        SELECT column_name FROM information_schema.columns
        WHERE table_name = 'transfers_historicaltransfer'
    )
    ORDER BY ordinal_position
"""

# The status of a transfer's latest event: CHRONOLOGICAL_ORDER's last.
LATEST_FIRST = "date DESC NULLS LAST, id DESC"


def checked_on(database_url) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        one = connection.execute
        return {
            "transfers": one("SELECT count(*) FROM transfers_transfer").fetchone()[0],
            "transfer history rows": one(
                "SELECT count(*) FROM transfers_historicaltransfer"
            ).fetchone()[0],
            "status event history rows": one(
                "SELECT count(*) FROM transfers_historicalstatusevent"
            ).fetchone()[0],
        }


def invariant_violations(database_url) -> dict[str, list]:
    """What breaks the invariants of the module docstring, by invariant."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        one = connection.execute
        columns = [row[0] for row in one(HISTORY_COLUMNS_SQL)]
        stored = ", ".join(f"t.{name}" for name in columns)
        newest = ", ".join(f"h.{name}" for name in columns)
        record = [name for name in columns if name not in ("id", "stage", "created", "updated")]
        changed = " OR ".join(f"{name} IS DISTINCT FROM prev_{name}" for name in record)
        previous = ", ".join(f"LAG({name}) OVER w AS prev_{name}" for name in [*record, "stage"])
        return {
            "status is the latest event's": one(
                f"""
                SELECT t.id, t.stage, latest.stage FROM transfers_transfer t
                JOIN LATERAL (
                    SELECT stage FROM transfers_statusevent
                    WHERE transfer_id = t.id ORDER BY {LATEST_FIRST} LIMIT 1
                ) latest ON true
                WHERE t.stage <> latest.stage
                """
            ).fetchall(),
            "newest history row is the stored row": one(
                f"""
                SELECT t.id, h.history_id FROM transfers_transfer t
                JOIN LATERAL (
                    SELECT * FROM transfers_historicaltransfer
                    WHERE id = t.id ORDER BY history_id DESC LIMIT 1
                ) h ON true
                WHERE ({stored}) IS DISTINCT FROM ({newest})
                """
            ).fetchall(),
            "each history row's status was the latest event's then": one(
                f"""
                SELECT h.id, h.history_id, h.stage, latest.stage
                FROM transfers_historicaltransfer h
                JOIN LATERAL (
                    SELECT stage FROM (
                        SELECT DISTINCT ON (e.id) e.id, e.stage, e.date, e.history_type
                        FROM transfers_historicalstatusevent e
                        WHERE e.transfer_id = h.id AND e.history_date <= h.history_date
                        ORDER BY e.id, e.history_date DESC, e.history_id DESC
                    ) events_then
                    WHERE history_type <> '-' ORDER BY {LATEST_FIRST} LIMIT 1
                ) latest ON true
                WHERE h.history_type <> '-' AND h.stage <> latest.stage
                """
            ).fetchall(),
            "no history row changes the status and another field": one(
                f"""
                SELECT id, history_id FROM (
                    SELECT *, {previous} FROM transfers_historicaltransfer
                    WINDOW w AS (PARTITION BY id ORDER BY history_id)
                ) versions
                WHERE history_type = '~' AND stage <> prev_stage AND ({changed})
                """
            ).fetchall(),
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
        hot_creates = [
            (t["supplier"]["slug"], t["recipient"]["slug"], t["system"]["slug"], "2020")
            for t in listing["results"][:HOT_CREATES]
        ]
        seed = Seed(transfers, actors, systems, hot_creates)

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
    event_kinds = {"write: status event", "race: status event"}
    transfer_kinds = {"write: transfer", "race: create without slug"}
    acknowledged = {
        "status events": sum(1 for k, _l, s, _e in results if k in event_kinds and s == 201),
        "transfers": sum(1 for k, _l, s, _e in results if k in transfer_kinds and s == 201),
    }
    stored = stored_counts(options.database_url, marker)
    broken = invariant_violations(options.database_url)
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
        "invariants_checked_on": checked_on(options.database_url),
        "invariant_violations": {name: len(rows) for name, rows in broken.items()},
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
    for name, rows in broken.items():
        for row in rows[:5]:
            print(f"broken invariant, {name}: {row}", file=sys.stderr)
    if "Traceback" in log.read_text():
        print(f"server log has a traceback: {log}", file=sys.stderr)
        return 1
    return 1 if errors or lost or any(broken.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
