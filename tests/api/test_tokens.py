"""API tokens (django-rest-knox): stored only as digests, expiring after
TOKEN_TTL_HOURS, revocable one at a time or all at once, and still sent as
`Authorization: Token <key>`."""

import datetime
import importlib
import itertools

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.helpers import API

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase"


@pytest.fixture
def tool(db):
    user = User.objects.create_user("tool", password=PASSWORD)
    user.user_permissions.add(Permission.objects.get(codename="add_actor"))
    return user


def log_in() -> str:
    response = APIClient().post(
        "/api/auth/token/", {"username": "tool", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def as_token(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Token {key}")


_numbers = itertools.count()


def writes(key: str) -> int:
    """The status of a write with this token (201 while it works)."""
    number = next(_numbers)
    body = {"name": f"Actor {number}", "slug": f"actor-{number}", "kind": "company"}
    return as_token(key).post(f"{API}/actors/", body, format="json").status_code


def test_the_database_holds_no_usable_token(tool):
    key = log_in()
    assert writes(key) == 201
    stored = AuthToken.objects.get(user=tool)
    assert key not in (stored.digest, stored.token_key)
    assert len(stored.token_key) < len(key) // 4  # a lookup prefix, not the key
    # DRF's plain-text token table is gone.
    assert "authtoken_token" not in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_drfs_plain_text_token_table():
    """A database from before knox keeps DRF's table of plain-text keys
    unless the migration drops it."""
    migration = importlib.import_module("common.migrations.0003_drop_plain_text_tokens")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY)")
        cursor.execute("INSERT INTO authtoken_token (key) VALUES ('a-plain-text-key')")
    assert "authtoken_token" in connection.introspection.table_names()
    with connection.schema_editor() as editor:
        for operation in migration.Migration.operations:
            operation.database_forwards("common", editor, None, None)
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_token_expires_after_the_configured_time(settings, tool):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": datetime.timedelta(hours=2)}
    before = timezone.now()
    response = APIClient().post("/api/auth/token/", {"username": "tool", "password": PASSWORD})
    expiry = parse_datetime(response.json()["expiry"])
    assert datetime.timedelta(hours=2) <= expiry - before < datetime.timedelta(hours=2, minutes=1)
    assert AuthToken.objects.get().expiry == expiry


def test_an_expired_token_gets_401(tool):
    key = log_in()
    assert writes(key) == 201
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert writes(key) == 401
    response = as_token(key).get(f"{API}/actors/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_logout_revokes_this_token_only(tool):
    first, second = log_in(), log_in()
    assert as_token(first).post("/api/auth/token/logout/").status_code == 204
    assert writes(first) == 401
    assert writes(second) == 201


def test_logout_all_revokes_every_token_of_the_user(tool):
    first, second = log_in(), log_in()
    someone_else = AuthToken.objects.create(User.objects.create_user("someone"))[1]
    assert as_token(first).post("/api/auth/token/logout-all/").status_code == 204
    assert writes(first) == writes(second) == 401
    assert as_token(someone_else).get(f"{API}/actors/").status_code == 200


@pytest.mark.parametrize("path", ["/api/auth/token/logout/", "/api/auth/token/logout-all/"])
def test_logging_out_needs_a_token(path, tool):
    assert APIClient().post(path).status_code == 401
    session = APIClient()
    session.force_login(tool)
    assert session.post(path).status_code == 401  # a session has no token to revoke


def test_the_schema_documents_the_token_routes(api_client):
    paths = api_client.get("/api/schema/", {"format": "json"}).json()["paths"]
    login = paths["/api/auth/token/"]["post"]
    assert {"200", "400", "429"} <= set(login["responses"]) and "401" not in login["responses"]
    assert "429" in login["description"] and "TOKEN_TTL_HOURS" in login["description"]
    for path in ("/api/auth/token/logout/", "/api/auth/token/logout-all/"):
        operation = paths[path]["post"]
        assert set(operation["responses"]) == {"204", "401", "429"}, path
        assert operation["security"] == [{"tokenAuth": []}], path
