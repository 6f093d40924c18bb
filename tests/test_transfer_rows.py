"""The fast transfer representation (TransferRows) is TransferSerializer's,
field for field, for every transfer: the seed's, generated ones (with
intermediaries and deliveries) and ones with a value, an end date and an
uncited event."""

import decimal

import pytest
from django.core.management import call_command
from django.db.models import Prefetch
from rest_framework.test import APIRequestFactory

from transfers.api.representation import TransferRows
from transfers.api.serializers import TransferSerializer
from transfers.demo_data import generate
from transfers.models import Citation, StatusEvent, Transfer, TransferIntermediary

from .test_api_support import documented_transfer

pytestmark = pytest.mark.django_db


def _reference(transfers, request):
    parties = Transfer.objects.select_related("supplier", "recipient", "system")
    prefetched = parties.prefetch_related(
        Prefetch("intermediary_links", TransferIntermediary.objects.select_related("actor")),
        "status_events",
        Prefetch("citations", Citation.objects.select_related("source")),
    )
    return [
        TransferSerializer(transfer, context={"request": request}).data
        for transfer in prefetched.filter(pk__in=[t.pk for t in transfers]).order_by("id")
    ]


def _assert_same(request):
    transfers = list(Transfer.objects.order_by("id"))
    assert transfers, "nothing to compare"
    fast = TransferRows(request).build(TransferRows.columns(Transfer.objects.order_by("id")))
    reference = _reference(transfers, request)
    assert len(fast) == len(reference)
    for ours, theirs in zip(fast, reference, strict=True):
        assert ours == theirs
        assert list(ours) == list(theirs)  # the same key order, too


@pytest.fixture
def request_():
    return APIRequestFactory().get("/api/v1/transfers/", HTTP_HOST="testserver")


def test_seed_transfers_read_the_same(request_):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)
    _assert_same(request_)


def test_generated_transfers_read_the_same(request_):
    counts = generate(transfers=150, seed=11, batch_size=50)
    assert counts["intermediaries"] > 0
    _assert_same(request_)


def test_values_end_dates_and_uncited_events_read_the_same(request_):
    transfer = documented_transfer()
    transfer.value, transfer.value_currency = decimal.Decimal("1234.5"), "USD"
    transfer.end_date, transfer.end_date_precision = transfer.start_date, "year"
    transfer.save()
    StatusEvent.objects.create(transfer=transfer, status="cancelled", note="no date, no quote")
    _assert_same(request_)


def test_one_transfer_reads_as_in_the_list(request_):
    documented_transfer()
    transfer = Transfer.objects.select_related("supplier", "recipient", "system").get()
    rows = TransferRows(request_)
    assert rows.of(transfer) == rows.build(rows.columns(Transfer.objects.all()))[0]
