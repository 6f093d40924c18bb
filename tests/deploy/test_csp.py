"""Every HTML page carries a strict Content-Security-Policy, and works under it:
no page needs an inline script (the only inline <script> elements are JSON
data blocks, which a browser does not run) or an inline event handler. The
real-browser check loads the admin, the docs and the browsable API in
Chromium and fails on any CSP violation or script error."""

import re

import pytest
from django.contrib.auth.models import User

from tests.browser import chromium, log_in

pytestmark = pytest.mark.django_db

PAGES = {
    "admin login": ("/admin/login/", False),
    "admin index": ("/admin/", True),
    "admin changelist": ("/admin/transfers/transfer/", True),
    "admin add form": ("/admin/transfers/transfer/add/", True),
    "browsable API": ("/api/v1/actors/", False),
    "browsable API, logged in": ("/api/v1/transfers/", True),
    "browsable API login": ("/api/auth/login/", False),
    "API docs": ("/api/docs/", False),
}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
INLINE_HANDLER = re.compile(r"<[a-z]+\s[^>]*\bon[a-z]+=", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("page", PAGES)
def test_each_html_page_has_a_strict_policy_and_no_inline_script(page, client):
    path, login = PAGES[page]
    if login:
        client.force_login(User.objects.create_superuser("csp-admin", password="x"))
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    html = response.content.decode()
    assert not INLINE_SCRIPT.findall(html)
    assert not INLINE_HANDLER.findall(html)


def test_only_the_apis_html_pages_allow_inline_styles(client):
    for path in ["/api/docs/", "/api/v1/actors/", "/api/auth/login/"]:
        policy = directives(client.get(path, HTTP_ACCEPT="text/html")["Content-Security-Policy"])
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"], path
    admin = directives(client.get("/admin/login/")["Content-Security-Policy"])
    assert admin["style-src"] == ["'self'"]


def test_the_docs_start_up_script_is_served_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    src = re.search(r'<script src="([^"]*\?script=[^"]*)"', page).group(1)
    script = client.get(src.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


@pytest.mark.django_db(transaction=True)
def test_the_admin_and_the_docs_load_in_a_browser_with_no_csp_violation(live_server):
    User.objects.create_superuser("browser-admin", password="a long passphrase")
    violations, errors = [], []
    with chromium() as browser:
        page = browser.new_page()
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and violations.append((page.url, message.text[:160]))
            ),
        )
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The admin: log in, then the transfer form (the richest page)
        log_in(page, live_server, "browser-admin", "a long passphrase")
        page.goto(f"{live_server.url}/admin/transfers/transfer/add/")
        page.wait_for_selector("#transfer_form")
        # The docs: Swagger UI renders the operations from the schema
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".opblock", timeout=30_000)
        # The browsable API, logged in by the admin's session: its log-out
        # link (an inline handler in DRF, a script file here) logs out
        page.goto(f"{live_server.url}/api/v1/actors/")
        page.wait_for_selector(".response-info")
        page.click("a.dropdown-toggle")
        page.click("text=Log out")
        page.wait_for_selector("text=Log in")
        # And its login form logs in again
        page.goto(f"{live_server.url}/api/auth/login/?next=/api/v1/actors/")
        page.fill("#id_username", "browser-admin")
        page.fill("#id_password", "a long passphrase")
        page.click("#submit-id-submit")
        page.wait_for_selector("text=browser-admin")
    assert violations == [], "\n".join(map(str, violations))
    assert errors == []
