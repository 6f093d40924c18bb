"""Every login path is locked out (django-axes) after repeated failures, per
client address and per username, with the right password refused too until
the cool-off passes or an operator resets it. API logins are told so in
JSON, the admin's in a page."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIMIT = 3
PASSWORD = "a long passphrase"
#: Each login path, and the status of a successful login there.
PATHS = {
    "/admin/login/": 302,
    "/api/auth/login/": 302,
    "/api/auth/token/": 200,
}


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = datetime.timedelta(hours=1)


@pytest.fixture
def curator(db):
    return User.objects.create_user("curator", password=PASSWORD, is_staff=True)


@pytest.fixture
def other(db):
    return User.objects.create_user("other", password=PASSWORD, is_staff=True)


def attempt(path, username, password, address="10.0.0.1"):
    data = {"username": username, "password": password}
    if path == "/admin/login/":
        data["next"] = "/admin/"
    return Client(REMOTE_ADDR=address).post(path, data)


def fail(path, username="curator", times=LIMIT, address="10.0.0.1"):
    """Wrong passwords: refused as such, and the one that reaches the limit
    is already answered with the lock-out."""
    for count in range(1, times + 1):
        response = attempt(path, username, "a wrong guess", address)
        if count < LIMIT:
            assert response.status_code in (200, 400), response.status_code
        else:
            assert_locked_out(path, response)


def assert_locked_out(path, response):
    assert response.status_code == 429, (path, response.status_code)
    assert int(response["Retry-After"]) == 3600
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"
        assert "Too many failed logins" in response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert b"Too many failed logins" in response.content
        assert b"Open Arms Transfers" in response.content  # the admin's own page
    assert "sessionid" not in response.cookies


@pytest.mark.parametrize("path", PATHS)
def test_a_login_works_below_the_limit(path, curator):
    fail(path, times=LIMIT - 1)
    assert attempt(path, "curator", PASSWORD).status_code == PATHS[path]


@pytest.mark.parametrize("path", PATHS)
def test_the_right_password_after_the_limit_is_refused(path, curator):
    fail(path)
    assert_locked_out(path, attempt(path, "curator", PASSWORD))
    assert AccessAttempt.objects.get().failures_since_start >= LIMIT


@pytest.mark.parametrize("path", PATHS)
def test_another_username_from_the_same_address_is_refused(path, curator, other):
    fail(path)
    assert_locked_out(path, attempt(path, "other", PASSWORD))
    # The lock is on the address (and the username), not on everyone.
    assert attempt(path, "other", PASSWORD, address="10.0.0.2").status_code == PATHS[path]


@pytest.mark.parametrize("path", PATHS)
def test_the_same_username_from_another_address_is_refused(path, curator):
    fail(path)
    assert_locked_out(path, attempt(path, "curator", PASSWORD, address="10.0.0.2"))


def test_failures_on_one_path_lock_the_others(curator):
    assert len(PATHS) == LIMIT  # one failure on each path reaches the limit
    for path in PATHS:
        attempt(path, "curator", "a wrong guess")
    for path in PATHS:
        assert_locked_out(path, attempt(path, "curator", PASSWORD, address="10.0.0.9"))


@pytest.mark.parametrize("path", PATHS)
def test_axes_reset_unlocks(path, curator):
    fail(path)
    assert_locked_out(path, attempt(path, "curator", PASSWORD))
    call_command("axes_reset")
    assert attempt(path, "curator", PASSWORD).status_code == PATHS[path]


def test_the_lock_ends_after_the_cool_off(curator):
    fail("/api/auth/token/")
    assert_locked_out("/api/auth/token/", attempt("/api/auth/token/", "curator", PASSWORD))
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=61))
    assert attempt("/api/auth/token/", "curator", PASSWORD).status_code == 200


def test_an_attempt_during_the_lock_out_starts_the_cool_off_again(curator):
    fail("/api/auth/token/")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=59))
    assert_locked_out("/api/auth/token/", attempt("/api/auth/token/", "curator", PASSWORD))
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=59))
    assert_locked_out("/api/auth/token/", attempt("/api/auth/token/", "curator", PASSWORD))


def test_a_locked_out_admin_login_does_not_log_in(curator):
    fail("/admin/login/")
    client = Client(REMOTE_ADDR="10.0.0.1")
    client.post("/admin/login/", {"username": "curator", "password": PASSWORD, "next": "/admin/"})
    assert client.get("/admin/").status_code == 302  # back to the login page


def token_login(username, password, forwarded_for):
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.post("/api/auth/token/", {"username": username, "password": password})


def test_a_forged_forwarded_for_does_not_reset_the_count_without_a_proxy(curator, other):
    for index in range(LIMIT - 1):
        assert token_login(f"nobody-{index}", "guess", f"192.0.2.{index}").status_code == 400
    assert_locked_out("/api/auth/token/", token_login("nobody", "guess", "192.0.2.98"))
    assert_locked_out("/api/auth/token/", token_login("other", PASSWORD, "192.0.2.99"))


def test_behind_a_proxy_the_forwarded_address_is_counted(settings, curator, other):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(LIMIT - 1):
        assert token_login("curator", "guess", "192.0.2.1").status_code == 400
    assert_locked_out("/api/auth/token/", token_login("curator", "guess", "192.0.2.1"))
    assert token_login("other", PASSWORD, "192.0.2.2").status_code == 200


@pytest.mark.parametrize("path", ["/admin/login/", "/api/auth/login/"])
def test_an_overlong_username_is_refused_and_counted_not_a_500(path, curator):
    # Failed logins are stored, the username in 255 characters on PostgreSQL.
    for _ in range(LIMIT - 1):
        assert attempt(path, "x" * 1000, "guess").status_code == 200  # the form, with its error
    assert_locked_out(path, attempt(path, "x" * 1000, "guess"))
    assert_locked_out(path, attempt(path, "curator", PASSWORD))


def test_an_overlong_username_at_the_token_endpoint_is_a_400(curator):
    response = attempt("/api/auth/token/", "x" * 1000, "guess")
    assert response.status_code == 400
    assert "username" in response.json()
    assert not AccessAttempt.objects.exists()  # invalid input, not a login attempt


def test_a_forwarded_for_that_is_no_address_counts_the_peer(settings, curator):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    for _ in range(LIMIT - 1):
        assert token_login("curator", "guess", "not-an-address").status_code == 400
    assert_locked_out("/api/auth/token/", token_login("curator", "guess", "10.9.9.9, <script>"))
    assert AccessAttempt.objects.values_list("ip_address", flat=True).distinct().get() == "10.0.0.1"
