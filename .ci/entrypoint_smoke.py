#!/usr/bin/env python3
"""The container's start-up path without Docker: docker/entrypoint.sh against
a fresh PostgreSQL database, under gunicorn with two workers, with the
production settings (DEBUG off) on a loopback port. Checks that migrations
ran, the seed loaded (LOAD_SEED=1) and loads only once, static files are
served by WhiteNoise from the collected manifest, the API answers, the
health probes answer, and the anonymous throttle (Redis, with a key prefix
of this run's own) and the login lock-out (database) count across both workers.

    .venv/bin/python .ci/entrypoint_smoke.py postgres://postgres@127.0.0.1:5432/h8_entry
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

sys.path.insert(0, str(ROOT / ".ci"))
from fuzz_api import reset_postgres  # noqa: E402

ANON_RATE = 8


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def post_form(url: str, data: dict) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def check(condition: bool, message: str) -> None:
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    if not condition:
        raise SystemExit(1)


def check_login_lockout(env: dict, base: str) -> None:
    """django-axes counts failed logins in the database: one count for both
    workers, so the right password is refused after AXES_FAILURE_LIMIT (5)
    wrong ones, until `axes_reset`."""
    password = secrets.token_urlsafe(16)
    harness.manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": password},
        *("createsuperuser", "--noinput", "--username", "smoke", "--email", "smoke@example.org"),
    )
    url = f"{base}/api/auth/token/"
    statuses = [post_form(url, {"username": "smoke", "password": "guess"})[0] for _ in range(5)]
    status, headers, body = post_form(url, {"username": "smoke", "password": password})
    check(
        statuses == [400] * 4 + [429] and status == 429 and "Retry-After" in headers,
        f"five wrong passwords lock the login across two workers: {statuses}, then {status}",
    )
    check("Too many failed logins" in json.loads(body)["detail"], "the lock-out is JSON")
    harness.manage(env, "axes_reset")
    status, _headers, body = post_form(url, {"username": "smoke", "password": password})
    check(status == 200 and json.loads(body)["token"], f"axes_reset unlocks it ({status})")


def main() -> int:
    database_url = sys.argv[1] if len(sys.argv) > 1 else os.environ["ENTRYPOINT_DATABASE_URL"]
    reset_postgres(database_url)
    scratch = Path(tempfile.mkdtemp(prefix="entrypoint-"))
    port = harness.free_port()
    base = f"http://{harness.LOOPBACK}:{port}"
    bin_dir = str(Path(sys.executable).parent)
    env = harness.production_env(
        database_url,
        PATH=f"{bin_dir}:{os.environ.get('PATH', '')}",
        BIND=f"{harness.LOOPBACK}:{port}",
        WEB_CONCURRENCY="2",
        LOAD_SEED="1",
        STATIC_ROOT=str(scratch / "static"),
        ANON_THROTTLE_RATE=f"{ANON_RATE}/hour",
    )
    env.pop("CACHE_URL", None)  # REDIS_URL from production_env: Redis, as in production
    log = scratch / "entrypoint.log"
    try:
        command = ["sh", str(ROOT / "docker" / "entrypoint.sh")]
        # The admin login page is not an API view, so polling it is not throttled.
        with harness.running(command, env, f"{base}/admin/login/", log, timeout=180):
            api_requests = 0
            status, _headers, body = fetch(f"{base}/api/v1/transfers/?page_size=1")
            api_requests += 1
            check(status == 200, f"the API answers ({status})")
            seeded = json.loads(body)["count"]
            check(seeded > 0, f"the seed is loaded ({seeded} transfers)")
            migrated = subprocess.run(
                [sys.executable, "manage.py", "migrate", "--check"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            check(migrated.returncode == 0, "no migration is left unapplied")
            again = harness.manage(env, "load_seed", capture=True)
            check("not loaded again" in again, "load_seed leaves a loaded database alone")
            status, _headers, body = fetch(f"{base}/api/v1/transfers/?page_size=1")
            api_requests += 1
            check(json.loads(body)["count"] == seeded, "still the same number of transfers")

            status, _headers, body = fetch(f"{base}/health/live/")
            check(status == 200, f"liveness answers ({status})")
            status, _headers, body = fetch(f"{base}/health/ready/")
            checks = json.loads(body).get("checks")
            check(
                status == 200 and checks == {"database": "ok", "migrations": "ok", "cache": "ok"},
                f"readiness: database, migrations and Redis are ok ({status}, {checks})",
            )

            status, _headers, page = fetch(f"{base}/admin/login/")
            css = re.search(rb'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page)
            check(css is not None, "the admin links hashed static files (manifest storage)")
            status, headers, _body = fetch(base + css.group(1).decode())
            cache_control = headers.get("Cache-Control", "")
            check(
                status == 200 and "immutable" in cache_control,
                f"WhiteNoise serves them, cached for good ({status}, {cache_control})",
            )
            status, _headers, _body = fetch(f"{base}/static/admin/css/no-such-file.css")
            check(status == 404, f"a missing static file is a 404 ({status})")

            statuses = []
            for _ in range(ANON_RATE + 2 - api_requests):
                statuses.append(fetch(f"{base}/api/v1/actors/?page_size=1")[0])
            allowed = statuses.count(200)
            check(
                allowed == ANON_RATE - api_requests and statuses[-2:] == [429, 429],
                f"the anonymous limit holds across two workers: {statuses}",
            )
            check_login_lockout(env, base)
        text = log.read_text()
        check("Traceback" not in text, "no traceback in the server log")
        print("== entrypoint smoke test passed")
        return 0
    except BaseException:
        print(f"== server log:\n{log.read_text()[-10000:] if log.exists() else ''}")
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
