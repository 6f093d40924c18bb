"""Start the app under gunicorn on a loopback port, for the fuzz run, the
entry-point smoke test and the load test. Every process started here is
stopped by the same code (a context manager), and every wait is bounded."""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


#: The Redis the production settings count throttles in (the machine's own).
REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://{LOOPBACK}:6379/0")


def redis_url() -> str:
    """REDIS_URL with a key prefix of its own, so no earlier run's counters count."""
    return f"{REDIS_URL}?key_prefix=run-{secrets.token_hex(6)}"


def production_env(database_url: str, **overrides) -> dict:
    """The production settings (DEBUG off, a random key, Redis for the
    throttles) on plain-HTTP loopback."""
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(50),
        REDIS_URL=redis_url(),
        ALLOWED_HOSTS=f"{LOOPBACK},localhost",
        # Loopback is plain HTTP; behind TLS these stay on (the default).
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
    )
    env.update(overrides)
    return env


def manage(env: dict, *args: str, capture: bool = False, timeout: float = 300) -> str:
    completed = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=capture,
        text=True,
    )
    return completed.stdout if capture else ""


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    # gunicorn's graceful shutdown on SIGTERM; SIGKILL the group if it hangs.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


@contextlib.contextmanager
def running(command: list[str], env: dict, url: str, log_path: Path, timeout: float = 90):
    """Run `command` (a server) in its own process group until the block ends."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        wait_until_up(url, process, timeout=timeout)
        yield process
    finally:
        stop(process)


def gunicorn_command(port: int, workers: int = 2, *extra: str) -> list[str]:
    return [
        PYTHON,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        # The deployment's settings (threaded workers), as docker/entrypoint.sh uses them.
        "--config",
        str(ROOT / "docker" / "gunicorn.conf.py"),
        "--bind",
        f"{LOOPBACK}:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
        *extra,
    ]
