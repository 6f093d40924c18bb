"""A database that is read-only, slow, restarted or silent: reads go on where
they can, and nothing answers 500 or hangs a worker.

The PostgreSQL cases run the app for real, under gunicorn with the production
settings on a scratch database beside the test one, with the throttles
counting in the machine's Redis (TEST_REDIS_URL, a key prefix per run)."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import pytest
import redis
from django.conf import settings

from bench import harness

DATABASE_URL = os.environ.get("DATABASE_URL", "")
on_postgresql = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgres"),
    reason="runs the app on a PostgreSQL scratch database (set DATABASE_URL to PostgreSQL)",
)


def fetch(url: str, method: str = "GET", data: dict | None = None, token: str = ""):
    """(status, headers, the JSON body (or the start of another), seconds taken);
    waits at most 20 s."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    is_json = headers.get("Content-Type", "").startswith("application/json")
    return status, headers, json.loads(raw) if is_json else raw[:200], time.monotonic() - started


@pytest.fixture(scope="module")
def scratch():
    """A migrated scratch database with an editor's token, made once per module."""
    if not DATABASE_URL.startswith("postgres"):
        pytest.skip("needs PostgreSQL")
    base = urlparse(DATABASE_URL)
    name = f"{base.path.lstrip('/')}_degraded"
    url = base._replace(path=f"/{name}").geturl()
    admin_url = base._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = harness.production_env(url, LOG_LEVEL="WARNING")
    harness.manage(env, "migrate", "--noinput", "--verbosity", "0")
    token = harness.manage(env, "create_editor", "degraded-editor", "--token-only", capture=True)
    yield {"url": url, "name": name, "admin_url": admin_url, "token": token.strip()}
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def gunicorn(scratch, tmp_path: Path, workers: int = 2, **env_overrides):
    port = harness.free_port()
    env = harness.production_env(scratch["url"], **env_overrides)
    log = tmp_path / "gunicorn.log"
    command = harness.gunicorn_command(port, workers)
    try:
        with harness.running(command, env, f"http://{harness.LOOPBACK}:{port}/health/live/", log):
            yield f"http://{harness.LOOPBACK}:{port}", env
    finally:
        print(log.read_text()[-5000:] if log.exists() else "")


@contextmanager
def read_only(scratch):
    with psycopg.connect(scratch["admin_url"], autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{scratch["name"]}" SET default_transaction_read_only = on')
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{scratch["name"]}" RESET default_transaction_read_only')


def redis_keys(env) -> list[bytes]:
    """The keys this run's app wrote (its REDIS_URL has a key prefix of its own)."""
    url, _, query = env["REDIS_URL"].partition("?")
    prefix = query.removeprefix("key_prefix=")
    return redis.Redis.from_url(url).keys(f"{prefix}:*")


@on_postgresql
@pytest.mark.postgres
def test_a_read_only_database_serves_reads_with_throttling_and_refuses_writes_with_503(
    scratch, tmp_path
):
    # Given a database in read-only mode, and the anonymous limit at 5 a minute
    with (
        read_only(scratch),
        gunicorn(scratch, tmp_path, ANON_THROTTLE_RATE="5/minute") as (
            base,
            env,
        ),
    ):
        # When anonymous clients read, across both workers
        statuses = [fetch(f"{base}/api/v1/{path}/")[0] for path in ["transfers", "actors"] * 3]
        # Then the reads are served and counted (in Redis), up to the limit
        assert statuses == [200, 200, 200, 200, 200, 429]
        assert any(b"throttle_anon" in key for key in redis_keys(env))
        # And a write is refused with a JSON 503 that says why
        status, headers, body, _ = fetch(
            f"{base}/api/v1/actors/",
            "POST",
            {"name": "Ruritania", "slug": "ruritania", "kind": "state", "country": "FR"},
            token=scratch["token"],
        )
        assert status == 503, body
        assert "read-only" in body["detail"]
        assert headers["Retry-After"]
        # And the instance stays ready: it serves reads
        status, _, body, _ = fetch(f"{base}/health/ready/")
        assert (status, body["checks"]["database"]) == (200, "read-only")


@on_postgresql
@pytest.mark.postgres
def test_a_statement_over_the_timeout_is_answered_503_not_held(scratch, tmp_path):
    with gunicorn(scratch, tmp_path, DB_STATEMENT_TIMEOUT="1s") as (base, _env):
        assert fetch(f"{base}/api/v1/actors/")[0] == 200
        # Given a lock that blocks every read of the actors (a migration, a dump)
        with psycopg.connect(scratch["url"]) as blocker:
            blocker.execute("LOCK TABLE actors_actor IN ACCESS EXCLUSIVE MODE")
            # When a client reads them
            status, _, body, seconds = fetch(f"{base}/api/v1/actors/")
            blocker.rollback()
        # Then the statement timeout answers it, in about a second, with a JSON 503
        assert status == 503, body
        assert "did not answer within the time allowed" in body["detail"]
        assert seconds < 10
        # And the worker is free again
        assert fetch(f"{base}/api/v1/actors/")[0] == 200


@on_postgresql
@pytest.mark.postgres
def test_a_connection_closed_under_the_app_is_replaced_before_the_next_request(scratch, tmp_path):
    # One worker holding its connection open between requests (CONN_MAX_AGE)
    with gunicorn(scratch, tmp_path, workers=1, CONN_MAX_AGE="600") as (base, _env):
        assert fetch(f"{base}/api/v1/actors/")[0] == 200
        # Given the server drops the app's connection (a restart, a failover)
        with psycopg.connect(scratch["admin_url"], autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [scratch["name"]],
            ).fetchone()[0]
        assert killed >= 1
        # Then the next request still succeeds (the health check reconnects)
        status, _, body, _ = fetch(f"{base}/api/v1/actors/")
        assert status == 200, body


class SilentServer:
    """A TCP server on loopback that accepts connections and never answers:
    a database (or Redis) that is up but hung."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((harness.LOOPBACK, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                self.held.append(self.sock.accept()[0])
            except TimeoutError:
                continue

    def close(self):
        self.stopped.set()
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


PROBE = """
import json, time, django
django.setup()
from django.test import Client
client = Client()
answers = {}
for path in ["/api/v1/actors/", "/health/live/", "/health/ready/"]:
    started = time.monotonic()
    response = client.get(path)
    answers[path] = [response.status_code, response.json(), time.monotonic() - started]
print(json.dumps(answers))
"""


def test_a_database_that_accepts_and_never_answers_fails_within_the_connect_timeout(
    silent_server,
):
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL"}}
    env.update(
        DEBUG="1",
        ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"postgres://app:pw@{harness.LOOPBACK}:{silent_server.port}/app",
        CACHE_URL="locmemcache://",
        DB_CONNECT_TIMEOUT="2",
    )
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    answers = json.loads(completed.stdout.splitlines()[-1])
    status, body, seconds = answers["/api/v1/actors/"]
    assert status == 503 and "cannot be reached" in body["detail"], body
    # libpq may try twice (with and without TLS), each bounded by the timeout.
    assert seconds < 2 * 2 + 2
    assert answers["/health/live/"][:2] == [200, {"status": "ok"}]
    status, body, seconds = answers["/health/ready/"]
    assert (status, body["checks"]["database"]) == (503, "unreachable")
    assert seconds < 2 * 2 + 2


@pytest.mark.django_db
def test_a_hung_cache_does_not_hold_or_fail_api_reads(settings, silent_server, client):
    # Given the throttles on, and a Redis that accepts and never answers
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/minute", "user": None, "login": None},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://{harness.LOOPBACK}:{silent_server.port}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        }
    }
    # When a client reads
    started = time.monotonic()
    response = client.get("/api/v1/actors/")
    # Then it is served, unthrottled, within the socket timeouts
    assert response.status_code == 200
    assert time.monotonic() - started < 10
    # And readiness says what is wrong without taking the instance out
    ready = client.get("/health/ready/")
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"] == "unreachable"
