"""The probes: liveness needs nothing but the process, readiness needs the
database with every migration applied; neither is throttled."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tests.helpers import API


def test_liveness_answers_without_the_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/health/live/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_checks_the_database_the_migrations_and_the_cache(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok"},
    }


@pytest.mark.django_db
def test_readiness_is_503_with_a_migration_left_unapplied(client):
    # Given the newest migration of an app not recorded as applied
    leaf = sorted(MigrationLoader(connection).graph.leaf_nodes())[0]
    MigrationRecorder(connection).migration_qs.filter(app=leaf[0], name=leaf[1]).delete()
    # Then the instance is not ready, and says which
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert f"{leaf[0]}.{leaf[1]}" in response.json()["checks"]["migrations"]


@pytest.mark.django_db
def test_the_probes_are_not_throttled(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": None, "login": None},
    }
    cache.clear()
    statuses = [client.get(f"{API}/actors/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    for _ in range(3):
        assert client.get("/health/live/").status_code == 200
        assert client.get("/health/ready/").status_code == 200


def test_the_probes_are_not_in_the_api_schema(client, db):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert not [path for path in schema["paths"] if "health" in path]


def test_probes_answer_plain_http_where_everything_else_is_redirected(client, settings):
    # The probe speaks HTTP to the container, inside the TLS proxy.
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/live/").status_code == 200
    assert client.get("/api/v1/").status_code == 301
