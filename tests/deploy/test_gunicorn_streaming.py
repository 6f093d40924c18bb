"""A long download under gunicorn with the deployment's settings completes.

Found at 200,000 transfers: `exports/transfers.jsonl` was cut off at the
gunicorn worker timeout, the client holding a 200 and a truncated body: a
sync worker reports to the arbiter only between requests. The deployment
runs threaded workers (docker/gunicorn.conf.py), whose main loop reports
every second. Here a worker timeout of one second is far shorter than the
download, which must still arrive whole, byte for byte as
`export_transfers` writes it.
"""

import time
import urllib.request

import pytest

from bench import harness

TIMEOUT = 1
# Enough that the download outlasts the timeout twice over: 6,000 did until the
# JSON Lines export stopped going through the serializer (1.6 s then).
TRANSFERS = 40000


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    directory = tmp_path_factory.mktemp("gunicorn")
    env = harness.production_env(
        f"sqlite:///{directory / 'db.sqlite3'}",
        ANON_THROTTLE_RATE="",
        USER_THROTTLE_RATE="",
        LOGIN_THROTTLE_RATE="",
        CACHE_URL="locmemcache://",
    )
    harness.manage(env, "migrate", "--noinput", "--verbosity", "0")
    harness.manage(env, "generate_demo_data", "--transfers", str(TRANSFERS), "--no-progress")
    return directory, env


def test_a_download_longer_than_the_worker_timeout_arrives_whole(scratch):
    directory, env = scratch
    port = harness.free_port()
    base = f"http://{harness.LOOPBACK}:{port}"
    command = harness.gunicorn_command(port, 1, "--timeout", str(TIMEOUT))
    with harness.running(command, env, f"{base}/api/v1/", directory / "gunicorn.log"):
        started = time.monotonic()
        with urllib.request.urlopen(f"{base}/api/v1/exports/transfers.jsonl", timeout=300) as r:
            assert r.status == 200
            downloaded = r.read()
        elapsed = time.monotonic() - started
        # Otherwise this test no longer tests what it says: make the export longer.
        assert elapsed > 2 * TIMEOUT, f"the download took only {elapsed:.1f} s"
    reference = directory / "reference.jsonl"
    harness.manage(
        env,
        "export_transfers",
        "--format",
        "jsonl",
        "--output",
        str(reference),
        "--base-url",
        base,
        "--no-progress",
    )
    assert downloaded.count(b"\n") == TRANSFERS
    assert downloaded == reference.read_bytes()
