"""The full exports run `export_transfers` in a lower-priority child process
(common/child_command.py), on committed data in the test database.

Found at a million transfers: two downloads rendered in web-worker threads
took the CPU from every other client, whose list requests' p95 went to 2.84
times an idle server's. These tests check the child path's behaviour; the
benchmark (`bench/benchmark.py --only http`) measures the latency."""

import os
import time
from collections import Counter

import pytest
from django.db import connection

from common import child_command
from transfers.api.representation import TransferShape
from transfers.demo_data import generate
from transfers.exports import annotations, ftm, jsonl, register
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

TRANSFERS = 300  # enough JSON Lines (about 700 KB) to fill the pipe and hold the child


def database_url() -> str:
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def child_exports(settings, monkeypatch):
    """Exports in a child process that reads the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite test database is invisible to a child process")
    settings.EXPORTS_IN_CHILD_PROCESS = True
    monkeypatch.setenv("DATABASE_URL", database_url())
    return settings


@pytest.fixture
def transfers(db):
    """Transfers with events, citations, deliveries and intermediaries."""
    generate(transfers=TRANSFERS, seed=3)
    return list(Transfer.objects.select_related("supplier"))


def body(response) -> bytes:
    try:
        return b"".join(
            chunk if isinstance(chunk, bytes) else chunk.encode()
            for chunk in response.streaming_content
        )
    finally:
        response.close()


def in_process(fmt: str, transfers, request) -> bytes:
    origin = request.build_absolute_uri("/")[:-1]
    if fmt == "csv":
        chunks = register.write_csv(register.trade_register(transfers))
    elif fmt == "ftm":
        chunks = ftm.write_ftm(transfers, origin)
    elif fmt == "annotations":
        query = request.GET.urlencode()
        chunks = annotations.write_annotations(
            transfers, origin, annotations.collection_url(origin, query)
        )
    else:
        chunks = jsonl.write_jsonl(transfers, TransferShape.for_request(request))
    return "".join(chunks).encode()


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("trade-register.csv", "csv"),
        ("transfers.jsonl", "jsonl"),
        ("transfers.ftm.jsonl", "ftm"),
        ("citations.jsonld", "annotations"),
    ],
)
def test_a_download_is_what_the_view_renders_itself_byte_for_byte(
    client, child_exports, transfers, path, fmt, rf
):
    # The busiest supplier: its transfers are several, and not all.
    supplier = Counter(t.supplier for t in transfers).most_common(1)[0][0]
    response = client.get(f"/api/v1/exports/{path}?supplier={supplier.slug}")
    assert response.status_code == 200
    downloaded = body(response)

    request = rf.get("/", {"supplier": supplier.slug})  # http://testserver, as the client's
    expected_transfers = Transfer.objects.filter(supplier=supplier)
    if fmt == "csv":
        # The register counts by default what reached agreement; JSON Lines has every stage.
        expected_transfers = expected_transfers.filter(reached_agreement=True)
    expected = in_process(fmt, expected_transfers, request)
    assert downloaded == expected
    # Not trivially equal: the filter matched some transfers, not all.
    if fmt in ("csv", "jsonl"):
        lines = downloaded.count(b"\n")
        assert 1 < lines < TRANSFERS


def test_a_bom_asked_of_the_child_is_written_by_it(client, child_exports, transfers):
    supplier = transfers[0].supplier
    query = f"supplier={supplier.slug}&all_stages=true"
    plain = body(client.get(f"/api/v1/exports/trade-register.csv?{query}"))
    with_bom = body(client.get(f"/api/v1/exports/trade-register.csv?{query}&bom=true"))
    assert with_bom == "\ufeff".encode() + plain
    assert plain.count(b"\n") > 1


def test_a_bad_filter_is_a_400_before_any_child_starts(client, child_exports, transfers):
    slots = child_command._slots_for(child_exports.CHILD_COMMANDS_PER_WORKER)
    response = client.get("/api/v1/exports/transfers.jsonl?year_from=soon")
    assert response.status_code == 400
    assert "year_from" in response.json()
    # Every slot is free: nothing was started.
    taken = [slots.acquire(blocking=False) for _ in range(child_exports.CHILD_COMMANDS_PER_WORKER)]
    assert all(taken)
    for _ in taken:
        slots.release()


def test_one_export_more_than_the_worker_allows_is_a_503_with_retry_after(
    client, child_exports, transfers
):
    child_exports.CHILD_COMMANDS_PER_WORKER = 1
    first = client.get("/api/v1/exports/transfers.jsonl")
    try:
        assert first.status_code == 200
        refused = client.get("/api/v1/exports/trade-register.csv")
        assert refused.status_code == 503
        assert refused["Retry-After"] == "60"
        assert "exports" in refused.json()["detail"]
    finally:
        first.close()
    # The slot is free again once the first download is closed.
    # Every stage, so every transfer has its line.
    again = client.get("/api/v1/exports/trade-register.csv?all_stages=true")
    assert again.status_code == 200
    assert body(again).count(b"\n") > TRANSFERS


def running_child(response):
    """The ChildOutput behind a streamed response."""
    (output,) = [
        closer.__self__
        for closer in response._resource_closers
        if isinstance(getattr(closer, "__self__", None), child_command.ChildOutput)
    ]
    return output


def test_the_child_runs_at_the_configured_nice_value(client, child_exports, transfers):
    response = client.get("/api/v1/exports/transfers.jsonl")
    try:
        process = running_child(response).process
        wanted = os.getpriority(os.PRIO_PROCESS, 0) + child_exports.CHILD_COMMAND_NICENESS
        wanted = min(wanted, 19)
        deadline = time.monotonic() + 60
        # nice(1) sets the value and then runs Python; until the body is
        # read the child blocks on the full pipe, so it is still there.
        while os.getpriority(os.PRIO_PROCESS, process.pid) != wanted:
            assert process.poll() is None, "the child ended before it was seen niced"
            assert time.monotonic() < deadline, "the child never raised its nice value"
            time.sleep(0.05)
    finally:
        response.close()


def test_a_client_that_goes_away_stops_the_child(client, child_exports, transfers):
    response = client.get("/api/v1/exports/transfers.jsonl")
    output = running_child(response)
    first = next(iter(response.streaming_content))
    assert first.startswith(b'{"id":')
    response.close()  # what the server does when the client disconnects
    assert output.process.returncode is not None
    assert output.process.stdout.closed


def test_a_child_that_fails_aborts_the_body_instead_of_ending_it(
    client, child_exports, transfers, monkeypatch
):
    # The child cannot reach its database: it exits non-zero with no output.
    monkeypatch.setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
    response = client.get("/api/v1/exports/trade-register.csv")
    assert response.status_code == 200  # the headers went before the child failed
    with pytest.raises(child_command.ChildCommandFailed, match="exited with 1"):
        body(response)
