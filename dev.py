#!/usr/bin/env python3
"""Set up and run the project with nothing but Python 3.11+.

    python3 dev.py demo    install, migrate, load the seed data, serve on :8000
    python3 dev.py test    install, lint, check migrations, run the whole test suite

Both create (or reuse) a virtual environment in .venv and install the
project into it. The database is SQLite in the project folder unless
DATABASE_URL says otherwise; extra arguments to `test` go to pytest.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("VENV_DIR", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def run(*args, env=None):
    print("+", " ".join(str(arg) for arg in args), flush=True)
    completed = subprocess.run([str(arg) for arg in args], cwd=ROOT, env=env)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def install(extra):
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any python3
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating a virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Reinstall only when the declared dependencies change.
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".{extra}")
    stamp.write_text(wanted)


def manage(*args, env=None):
    run(PYTHON, "manage.py", *args, env=env)


def demo(options):
    install("")
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    manage("migrate", "--noinput", env=env)
    manage("demo_setup", env=env)
    print(
        f"\nServing the demo at http://127.0.0.1:{options.port}/admin/ "
        "(log in as admin / admin). Ctrl+C stops it.\n",
        flush=True,
    )
    manage("runserver", f"127.0.0.1:{options.port}", env=env)


def test(options):
    install("[dev]")
    env = {**os.environ, "DEBUG": "1"}
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    manage("makemigrations", "--check", "--dry-run", env=env)
    # pytest exits 5 when no test ran; like any failure, that fails here.
    run(PYTHON, "-m", "pytest", *options.pytest_args, env=env)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="install, load the seed data and serve it")
    demo_parser.add_argument("--port", type=int, default=8000)
    commands.add_parser(
        "test", help="install and run lint, checks and tests; extra arguments go to pytest"
    )
    options, extra = parser.parse_known_args()
    if extra and options.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    options.pytest_args = extra
    {"demo": demo, "test": test}[options.command](options)


if __name__ == "__main__":
    main()
