"""The history records what was stored: the derived status included, never
a field the write did not store, and a revert never writes the status."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.helpers import API
from transfers.choices import Stage
from transfers.factories import StatusEventFactory, TransferFactory
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def test_the_history_api_shows_changes_of_the_derived_stage(api_client):
    transfer = TransferFactory()
    for status in ("under_discussion", "requested", "agreed"):
        StatusEventFactory(transfer=transfer, stage=status)

    versions = api_client.get(f"{API}/transfers/{transfer.pk}/history/").json()["results"]

    changes = [version["changes"] for version in versions if version["type"] == "changed"]
    assert changes == [
        [{"field": "stage", "old": "requested", "new": "agreed"}],
        [{"field": "stage", "old": "under_discussion", "new": "requested"}],
    ]


def _transfer_that_went_from_requested_to_confirmed():
    transfer = TransferFactory(quantity=4)
    StatusEventFactory(transfer=transfer, stage=Stage.REQUESTED)
    requested = transfer.history.latest()
    assert requested.stage == Stage.REQUESTED
    StatusEventFactory(transfer=transfer, stage=Stage.AGREED)
    transfer.refresh_from_db()
    assert transfer.stage == Stage.AGREED
    return transfer, requested


def test_an_admin_revert_keeps_the_status_of_the_latest_event(admin_client):
    transfer, requested = _transfer_that_went_from_requested_to_confirmed()
    transfer.quantity = 6
    transfer.save()
    url = reverse(
        "admin:transfers_transfer_simple_history", args=[transfer.pk, requested.history_id]
    )
    response = admin_client.post(
        url,
        {
            "supplier": requested.supplier_id,
            "recipient": requested.recipient_id,
            "system": requested.system_id,
            "transfer_type": requested.transfer_type,
            "start": "2016",
            "end": "",
            "quantity": requested.quantity,
            "quantity_max": "",
            "package": "",
            "condition": "",
            "slug": requested.slug,
            "notes": requested.notes,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    transfer.refresh_from_db()
    assert (transfer.quantity, transfer.stage) == (4, Stage.AGREED)
    newest = transfer.history.latest()
    assert (newest.quantity, newest.stage) == (4, Stage.AGREED)


def test_a_revert_through_the_model_keeps_the_status_of_the_latest_event():
    transfer, requested = _transfer_that_went_from_requested_to_confirmed()

    requested.instance.save()  # django-simple-history's documented revert

    transfer.refresh_from_db()
    assert transfer.stage == Stage.AGREED
    assert transfer.history.latest().stage == Stage.AGREED


def test_a_partial_save_of_a_stale_copy_records_the_stored_row():
    stale = TransferFactory(quantity=None, notes="first")
    fresh = Transfer.objects.get(pk=stale.pk)
    fresh.notes = "second"
    fresh.save()

    stale.quantity = 3
    stale.save(update_fields=["quantity", "updated"])

    newest = Transfer.history.filter(id=stale.pk).latest()
    assert (newest.quantity, newest.notes) == (3, "second")
    stored = Transfer.objects.get(pk=stale.pk)
    assert (stored.quantity, stored.notes) == (3, "second")


def test_a_status_refresh_from_a_stale_copy_records_the_stored_row():
    transfer = TransferFactory(quantity=None)
    stale = Transfer.objects.get(pk=transfer.pk)
    transfer.quantity = 9
    transfer.save()

    StatusEventFactory(transfer=stale, stage=Stage.AGREED)

    newest = Transfer.history.filter(id=transfer.pk).latest()
    assert (newest.stage, newest.quantity) == (Stage.AGREED, 9)
    assert stale.stage == Stage.AGREED


def _queries_to_create_one_more(russia, iran, s300, year_2016):
    transfer = Transfer(supplier=russia, recipient=iran, system=s300, **year_2016)
    with CaptureQueriesContext(connection) as queries:
        transfer.save()
    return len(queries), transfer.slug


def test_a_generated_slug_costs_the_same_queries_however_many_share_its_base(
    russia, iran, s300, year_2016
):
    first_count, first_slug = _queries_to_create_one_more(russia, iran, s300, year_2016)
    TransferFactory.create_batch(40, supplier=russia, recipient=iran, system=s300, **year_2016)

    later_count, later_slug = _queries_to_create_one_more(russia, iran, s300, year_2016)

    print(f"queries to create a transfer: {first_count} alone, {later_count} with 41 sharing")
    assert (first_slug, later_slug) == ("russia-iran-s-300-2016", "russia-iran-s-300-2016-42")
    assert later_count == first_count
