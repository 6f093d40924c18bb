"""Cross-origin reads: a page on any origin may GET the API, without
credentials; writes are not opened to other origins."""

import pytest

from actors.models import Actor
from tests.helpers import API

pytestmark = pytest.mark.django_db

ORIGIN = "https://viewer.example.org"


def test_a_cross_origin_get_is_allowed_without_credentials(api_client):
    response = api_client.get(f"{API}/actors/", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Credentials" not in response
    assert "origin" in response["Vary"].lower()
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_a_cross_origin_head_and_download_are_allowed(api_client):
    assert api_client.head(f"{API}/actors/", HTTP_ORIGIN=ORIGIN)["Access-Control-Allow-Origin"]
    response = api_client.get(f"{API}/exports/trade-register.csv", HTTP_ORIGIN=ORIGIN)
    assert response["Access-Control-Allow-Origin"] == ORIGIN


def test_the_preflight_of_a_get_is_answered_for_reads_only(api_client):
    response = api_client.options(
        f"{API}/transfers/",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "authorization" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_the_preflight_of_a_write_is_refused(api_client, method):
    response = api_client.options(
        f"{API}/actors/", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD=method
    )
    assert "Access-Control-Allow-Origin" not in response


def test_a_cross_origin_write_gets_no_cors_header(editor):
    body = {"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"}
    response = editor.post(f"{API}/actors/", body, format="json", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 201  # a token write works, but no page elsewhere reads it
    assert "Access-Control-Allow-Origin" not in response
    assert Actor.objects.filter(slug="belarus").exists()


def test_pages_outside_the_api_get_no_cors_header(client):
    response = client.get("/admin/login/", HTTP_ORIGIN=ORIGIN)
    assert "Access-Control-Allow-Origin" not in response
