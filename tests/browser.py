"""Debian's Chromium, driven by Playwright, for the tests that need a real
browser (not a fixture: tests import it where they need it)."""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


#: Where browser tests keep what a person may want to look at afterwards
#: (screenshots): ARTIFACTS_DIR, else tests/artifacts/ (ignored by git).
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR") or Path(__file__).parent / "artifacts")


def artifact(name: str) -> Path:
    """The path to keep the artefact `name` at, its directory made."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name


def require_chromium():
    """Skip without Chromium, except where the browser is required (CI sets
    REQUIRE_BROWSER=1 after installing it): there a missing browser fails."""
    if CHROMIUM is None:
        message = "no Chromium (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@contextlib.contextmanager
def chromium():
    """A headless Chromium (Playwright's own browser download does not work
    here: it is launched by its path)."""
    require_chromium()
    playwright = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
