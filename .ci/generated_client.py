#!/usr/bin/env python3
"""A Python client generated from the served schema works (issue 16).

Serves the app under gunicorn with the seed loaded and an editor's token,
as the fuzz run does (fuzz_api.seeded_env), fetches `/api/schema/`,
generates a client from it with openapi-python-client (a warning fails: a
part of the API the client would lack), type-checks .ci/client_usage.py
against the generated package with mypy --strict, and runs it against the
server: filtered reads, a record by slug, the network as JSON and GraphML,
and writes with a token.

    .venv/bin/python .ci/generated_client.py [--database-url URL] [--keep]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

sys.path.insert(0, str(HERE))
from fuzz_api import editor_token, seeded_env  # noqa: E402

PACKAGE = "armstransfers_client"
#: The generator reads JSON, text and octet-stream bodies; the downloads'
#: own media types are files to it.
CONFIG = {
    "package_name_override": PACKAGE,
    "post_hooks": [],
    "content_type_overrides": {
        "application/graphml+xml": "application/octet-stream",
        "application/gexf+xml": "application/octet-stream",
        "application/x-ndjson": "application/octet-stream",
    },
}
USAGE = HERE / "client_usage.py"


def tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    print("$ " + " ".join(command), flush=True)
    return subprocess.run(command, text=True, timeout=300, **kwargs)


def generate(schema_url: str, scratch: Path) -> Path:
    """The client package generated from the schema at `schema_url`, in `scratch`."""
    schema = scratch / "schema.json"
    with urllib.request.urlopen(schema_url, timeout=60) as response:
        schema.write_bytes(response.read())
    print(f"schema: {len(json.loads(schema.read_text())['paths'])} paths")
    config = scratch / "generator.json"
    config.write_text(json.dumps(CONFIG))
    output = scratch / PACKAGE
    generated = run(
        [
            tool("openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(output),
        ],
        capture_output=True,
    )
    print(generated.stdout + generated.stderr)
    if generated.returncode != 0 or "Warning" in generated.stdout + generated.stderr:
        raise SystemExit("FAIL openapi-python-client did not generate the client cleanly")
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    options = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="generated-client-"))
    failed = True
    try:
        env = seeded_env(scratch, options.database_url)
        token = editor_token(env, "client-editor")
        port = harness.free_port()
        base = f"http://{harness.LOOPBACK}:{port}"
        log = scratch / "gunicorn.log"
        with harness.running(harness.gunicorn_command(port, 2), env, f"{base}/api/v1/", log):
            generate(f"{base}/api/schema/?format=json", scratch)
            client_env = {**os.environ, "PYTHONPATH": str(scratch), "MYPYPATH": str(scratch)}
            checked = run(
                [
                    tool("mypy"),
                    "--strict",
                    "--no-incremental",
                    "--cache-dir",
                    str(scratch / "mypy-cache"),
                    str(USAGE),
                ],
                env=client_env,
                cwd=scratch,
            )
            if checked.returncode != 0:
                print("FAIL mypy: the script does not type-check against the client")
                return 1
            used = run([sys.executable, str(USAGE), base, token], env=client_env, cwd=scratch)
            failed = used.returncode != 0
        errors = [line for line in log.read_text().splitlines() if "Traceback" in line]
        if failed or errors:
            print(f"== server log ({log}):\n{log.read_text()[-20000:]}", file=sys.stderr)
            failed = True
        return 1 if failed else 0
    finally:
        if options.keep or failed:
            print(f"scratch folder kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
