#!/usr/bin/env python3
"""Fuzz the API against its own OpenAPI schema with schemathesis.

Builds a scratch database (SQLite by default, or an empty PostgreSQL
database named by --database-url, which is dropped and made anew), migrates
it, loads the seed, makes an editor with a token, and serves the app under
gunicorn with the production settings on a free loopback port. Then two
schemathesis runs: every read as an anonymous client, and every operation
(writes too) with the editor's token. A run fails on any server error (5xx)
or any response that breaks the schema (status code, content type, headers
or body). Bounded: a fixed number of examples per operation, a fixed seed,
and a time limit per run. A third step (fuzz_tampering.py) sends what
schemathesis cannot make from the schema: real cursors with tampered sort
keys, bodies nested past any depth, pages past any offset, NUL ids.

    .venv/bin/python .ci/fuzz_api.py [--max-examples 25] [--database-url URL]
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzz_tampering  # noqa: E402

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


def reset_postgres(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def seeded_env(scratch: Path, database_url: str | None = None) -> dict:
    """The production settings on a scratch database, migrated, with the seed
    loaded and the static files collected into `scratch`: SQLite in `scratch`,
    or the empty PostgreSQL database `database_url` (dropped and made anew).
    Without rate limits, for a client that sends many requests from one address."""
    if database_url:
        reset_postgres(database_url)
    else:
        database_url = f"sqlite:///{scratch / 'app.sqlite3'}"
    env = harness.production_env(
        database_url,
        STATIC_ROOT=str(scratch / "static"),
        ANON_THROTTLE_RATE="",
        USER_THROTTLE_RATE="",
        LOGIN_THROTTLE_RATE="",
        LOG_LEVEL="ERROR",
    )
    harness.manage(env, "migrate", "--noinput", "--verbosity", "0")
    harness.manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    harness.manage(env, "load_seed")
    return env


def editor_token(env: dict, username: str) -> str:
    """An API token of a new editor (create_editor) in `env`'s database."""
    return harness.manage(env, "create_editor", username, "--token-only", capture=True).strip()


def schemathesis(base: str, label: str, args: list[str], options, report_dir: Path) -> int:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/api/schema/?format=json",
        "--url",
        base,
        "--checks",
        CHECKS,
        "--max-examples",
        str(options.max_examples),
        "--seed",
        str(options.seed),
        # Deterministic mode keeps no example database: each run is the same run.
        "--generation-deterministic",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report_dir / f"{label}.xml"),
        *args,
    ]
    print(f"== schemathesis: {label}", flush=True)
    started = time.monotonic()
    try:
        # In the scratch folder, where schemathesis keeps its own files.
        completed = subprocess.run(command, cwd=report_dir, timeout=options.time_limit)
    except subprocess.TimeoutExpired:
        print(f"schemathesis ({label}) ran past {options.time_limit} s", file=sys.stderr)
        return 1
    print(f"== {label}: exit {completed.returncode} in {time.monotonic() - started:.0f} s")
    return completed.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--time-limit", type=int, default=600, help="seconds per run")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument(
        "--only", choices=["reads", "writes", "tampering"], help="run one of the three"
    )
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="fuzz-api-"))
    try:
        env = seeded_env(scratch, options.database_url)
        token = editor_token(env, "fuzz-editor")

        port = harness.free_port()
        base = f"http://{harness.LOOPBACK}:{port}"
        log = scratch / "gunicorn.log"
        failed = 0
        with harness.running(harness.gunicorn_command(port, 2), env, f"{base}/api/v1/", log):
            if options.only in (None, "reads"):
                failed |= schemathesis(base, "reads", ["--include-method", "GET"], options, scratch)
            if options.only in (None, "writes"):
                failed |= schemathesis(
                    base,
                    "writes",
                    [
                        "--header",
                        f"Authorization: Token {token}",
                        # Logging out would revoke the very token the run writes with.
                        "--exclude-path-regex",
                        "^/api/auth/token/logout",
                        # The coverage phase's boundary values for every field of
                        # 78 operations ran past the time limit (the reads run
                        # keeps it); the writes get examples, fuzzing and the
                        # stateful links.
                        "--phases",
                        "examples,fuzzing,stateful",
                    ],
                    options,
                    scratch,
                )
            if options.only in (None, "tampering"):
                print("== tampering: cursors, deep bodies, far pages, NUL ids", flush=True)
                failed |= fuzz_tampering.run(base, token, options.max_examples * 4) > 0
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        if failed or errors:
            print(f"== server log ({log}):\n{log.read_text()[-20000:]}", file=sys.stderr)
            options.keep = True
        return 1 if failed or errors else 0
    finally:
        if options.keep:
            print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
