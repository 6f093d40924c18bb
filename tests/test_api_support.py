"""Fixtures and helpers shared by the API tests (no tests of its own).

A module takes the fixtures it uses by assignment (`editor = support.editor`):
pytest finds them as the module's own, and linters see no unused import.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from knox.models import AuthToken
from rest_framework.test import APIClient

from actors.factories import ActorFactory
from common.dates import DatePrecision
from sources.factories import SourceFactory
from transfers.choices import TransferStatus
from transfers.factories import CitationFactory, StatusEventFactory, TransferFactory
from transfers.models import TransferIntermediary

API = "/api/v1"
EDITED_MODELS = ["actor", "system", "transfer", "statusevent", "delivery", "source", "citation"]


def token_client(user) -> APIClient:
    client = APIClient()
    _instance, key = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.fixture
def api_client():
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def viewer(db):
    """Logged in with a token, but with no model permissions."""
    return token_client(User.objects.create_user("viewer"))


@pytest.fixture
def editor(db):
    """Holds add/change/delete on every curated model."""
    user = User.objects.create_user("editor")
    codenames = [
        f"{action}_{model}" for model in EDITED_MODELS for action in ("add", "change", "delete")
    ]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return token_client(user)


def documented_transfer(**overrides):
    """A transfer with an intermediary, a status history and two citations."""
    transfer = TransferFactory(**overrides)
    TransferIntermediary.objects.create(transfer=transfer, actor=ActorFactory(), position=1)
    StatusEventFactory(
        transfer=transfer,
        status=TransferStatus.REPORTED,
        date=datetime.date(2015, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    confirmed = StatusEventFactory(
        transfer=transfer,
        status=TransferStatus.CONFIRMED,
        date=datetime.date(2016, 5, 1),
        date_precision=DatePrecision.MONTH,
    )
    CitationFactory(transfer=transfer, source=SourceFactory())
    CitationFactory(transfer=transfer, status_event=confirmed, source=SourceFactory())
    transfer.refresh_from_db()
    return transfer


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response):
    return [item["slug"] for item in results(response)]
