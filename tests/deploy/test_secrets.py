"""Secrets stay out of the repository, the image and the DEBUG error page."""

import subprocess
import sys

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.views.debug import technical_500_response

ROOT = settings.BASE_DIR
PASSWORD = "s3cret-db-pass"  # noqa: S105 - the value the page must not show
REDIS_PASSWORD = "s3cret-redis-pass"  # noqa: S105


def test_git_ignores_the_env_file():
    for name in [".env", ".env.production", "db.sqlite3", ".venv/bin/python"]:
        completed = subprocess.run(
            ["git", "check-ignore", "-q", name], cwd=ROOT, capture_output=True, timeout=30
        )
        assert completed.returncode == 0, f"{name} is not ignored by git"


def test_the_image_gets_no_secret_or_local_file():
    """The build context leaves them out (.dockerignore), and the Dockerfile
    copies only named parts of the project, never the whole folder."""
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", "**/.env", ".git", ".venv", "*.sqlite3"} <= ignored
    sources = [
        part
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith(("COPY", "ADD"))
        for part in line.split()[1:-1]
        if not part.startswith("--")
    ]
    assert sources, "the Dockerfile copies nothing?"
    for source in sources:
        assert source not in {".", "./", "*"}, "the Dockerfile copies the whole folder"
        assert (ROOT / source).exists(), source
        assert not any(part in source for part in [".env", ".venv", ".git", "sqlite3"])


def error_page(settings, **environ) -> str:
    """The technical 500 page DEBUG shows for an exception in a view, with
    request.META as runserver builds it (os.environ plus the request's)."""
    settings.DEBUG = True
    return _render(RequestFactory().get("/api/v1/actors/", **environ))


def _render(request) -> str:
    # Its own frame, so the page's local variables hold only the request.
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


def test_the_debug_error_page_hides_connection_urls_and_credentials(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"redis://:{REDIS_PASSWORD}@redis:6379/0",
        }
    }
    page = error_page(
        settings,
        DATABASE_URL=f"postgres://app:{PASSWORD}@db:5432/app",
        REDIS_URL=f"redis://:{REDIS_PASSWORD}@redis:6379/0",
        HTTP_AUTHORIZATION="Token 0123456789abcdef-token-value",
        HTTP_COOKIE="sessionid=0123456789abcdef-session-value",
    )
    assert "boom" in page  # the page was rendered, with its META section
    assert "DATABASE_URL" in page
    for secret in [PASSWORD, REDIS_PASSWORD, "token-value", "session-value"]:
        assert secret not in page


@pytest.mark.parametrize("name", ["PATH", "REQUEST_METHOD"])
def test_the_debug_error_page_still_shows_what_is_not_secret(settings, name):
    page = error_page(settings, PATH="/usr/local/bin:/usr/bin")
    assert name in page
    assert "/usr/local/bin:/usr/bin" in page
