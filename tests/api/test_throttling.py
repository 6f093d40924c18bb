"""Anonymous clients are throttled per address, token holders per account,
with a JSON 429 and Retry-After; the limits come from settings at request time."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from tests import helpers as support
from tests.helpers import API

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_limits(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "5/minute", "login": "3/hour"},
    }
    cache.clear()
    yield
    cache.clear()


def test_an_anonymous_client_over_its_rate_gets_a_json_429_with_retry_after(api_client, low_limits):
    for _ in range(3):
        assert api_client.get(f"{API}/actors/").status_code == 200
    response = api_client.get(f"{API}/transfers/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert "throttled" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_guessing_passwords_at_the_token_endpoint_is_throttled(api_client, low_limits):
    User.objects.create_user("tool", password="a long passphrase")
    guess = {"username": "tool", "password": "guess"}
    for _ in range(3):
        assert api_client.post("/api/auth/token/", guess).status_code == 400
    assert api_client.post("/api/auth/token/", guess).status_code == 429


def test_another_address_has_its_own_count(api_client, low_limits):
    for _ in range(3):
        api_client.get(f"{API}/actors/", REMOTE_ADDR="10.0.0.1")
    assert api_client.get(f"{API}/actors/", REMOTE_ADDR="10.0.0.1").status_code == 429
    assert api_client.get(f"{API}/actors/", REMOTE_ADDR="10.0.0.2").status_code == 200


def test_a_forged_forwarded_for_does_not_reset_the_count_without_a_proxy(api_client, low_limits):
    for index in range(3):
        api_client.get(f"{API}/actors/", HTTP_X_FORWARDED_FOR=f"192.0.2.{index}")
    response = api_client.get(f"{API}/actors/", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_a_token_holder_has_the_user_rate_not_the_anonymous_one(low_limits):
    client = support.token_client(User.objects.create_user("reader"))
    for _ in range(5):
        assert client.get(f"{API}/actors/").status_code == 200
    assert client.get(f"{API}/actors/").status_code == 429


def test_the_schema_documents_429_with_retry_after(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            response = operation["responses"].get("429")
            assert response, (method, path)
            assert "Retry-After" in response["headers"]
