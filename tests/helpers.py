"""Helpers the tests share that are not fixtures (those are in conftest.py)."""

import datetime

from knox.models import AuthToken
from rest_framework.test import APIClient

from actors.factories import ActorFactory
from common.dates import DatePrecision
from sources.factories import SourceFactory
from transfers.choices import Stage
from transfers.factories import CitationFactory, StatusEventFactory, TransferFactory
from transfers.models import TransferIntermediary

API = "/api/v1"


EDITED_MODELS = [
    "actor",
    "actorrelation",
    "system",
    "transfer",
    "statusevent",
    "delivery",
    "source",
    "sourcetext",
    "citation",
    "package",
    "value",
    "contradiction",
    "candidate",
]


def token_client(user) -> APIClient:
    client = APIClient()
    _instance, key = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def documented_transfer(**overrides):
    """A transfer with an intermediary, a status history and two citations."""
    transfer = TransferFactory(**overrides)
    TransferIntermediary.objects.create(transfer=transfer, actor=ActorFactory(), position=1)
    StatusEventFactory(
        transfer=transfer,
        stage=Stage.UNDER_DISCUSSION,
        date=datetime.date(2015, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    confirmed = StatusEventFactory(
        transfer=transfer,
        stage=Stage.AGREED,
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


def pending_candidate(transfer):
    """A candidate waiting for review, read from a stored text of the
    transfer's first source (the permission matrices' target)."""
    from assistant.models import Candidate, Reading
    from sources.factories import SourceTextFactory

    source = transfer.citations.order_by("id").first().source
    version = SourceTextFactory(source=source, text="Russia sent drones to Iran, they said.")
    return Candidate.objects.create(
        reading=Reading.objects.create(document=version),
        key="matrix",
        start=0,
        end=26,
        quote="Russia sent drones to Iran",
        supplier=transfer.supplier,
        recipient=transfer.recipient,
        system=transfer.system,
        stage="delivered",
    )
