"""The admin writes a transfer and its status history through the services,
as the API does: the rules that span models refuse the same things on both
paths, as form errors here and 400s there, and nothing half-written stays."""

import pytest
from django.urls import reverse

from actors.factories import ActorFactory
from tests.admin.forms import form_data
from transfers.factories import StatusEventFactory, TransferFactory
from transfers.models import StatusEvent, TransferIntermediary

pytestmark = pytest.mark.django_db


def _change_form(admin_client, transfer):
    url = reverse("admin:transfers_transfer_change", args=[transfer.pk])
    return url, form_data(admin_client.get(url).content.decode(), "transfer_form")


@pytest.fixture
def with_a_stop(russia, iran, s300):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300)
    StatusEventFactory(transfer=transfer)
    stop = ActorFactory(name="Syria", slug="syria")
    TransferIntermediary.objects.create(transfer=transfer, actor=stop, position=1)
    return transfer, stop


def test_a_new_supplier_that_is_a_kept_stop_is_a_form_error(admin_client, with_a_stop):
    transfer, stop = with_a_stop
    url, data = _change_form(admin_client, transfer)
    data["supplier"] = [str(stop.pk)]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Syria is the supplier or recipient, so it cannot also be an intermediary." in (
        response.content.decode()
    )
    transfer.refresh_from_db()
    assert transfer.supplier.slug == "russia"


def test_a_stop_can_become_the_supplier_when_it_leaves_the_stops(admin_client, with_a_stop):
    transfer, stop = with_a_stop
    url, data = _change_form(admin_client, transfer)
    data["supplier"] = [str(stop.pk)]
    data["intermediary_links-0-DELETE"] = ["on"]
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    transfer.refresh_from_db()
    assert transfer.supplier == stop
    assert not transfer.intermediary_links.exists()


def test_stops_entered_in_the_admin_are_saved_in_their_order(admin_client, with_a_stop):
    transfer, stop = with_a_stop
    first = ActorFactory(name="Armenia", slug="armenia")
    url, data = _change_form(admin_client, transfer)
    data["intermediary_links-0-position"] = ["7"]
    data.update(
        {
            "intermediary_links-TOTAL_FORMS": ["2"],
            "intermediary_links-1-actor": [str(first.pk)],
            "intermediary_links-1-position": ["3"],
            "intermediary_links-1-transfer": [str(transfer.pk)],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    links = transfer.intermediary_links.order_by("position")
    # Through services.transfer_set_intermediaries: in order, numbered from 1.
    assert [(link.position, link.actor.slug) for link in links] == [(1, "armenia"), (2, "syria")]


def test_an_unchanged_stop_is_not_rewritten(admin_client, with_a_stop):
    transfer, _stop = with_a_stop
    link = transfer.intermediary_links.get()
    versions = link.history.count()
    url, data = _change_form(admin_client, transfer)
    data["quantity"] = ["12"]
    assert admin_client.post(url, data).status_code == 302
    assert transfer.intermediary_links.get().pk == link.pk
    assert link.history.count() == versions


def test_deleting_every_event_of_a_stored_transfer_is_a_form_error(admin_client, with_a_stop):
    transfer, _stop = with_a_stop
    url, data = _change_form(admin_client, transfer)
    data["status_events-0-DELETE"] = ["on"]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "needs at least one status event" in response.content.decode()
    assert transfer.status_events.count() == 1


def test_a_change_reason_in_the_admin_is_kept_in_the_transfers_history(
    admin_client, admin_user, with_a_stop
):
    transfer, _stop = with_a_stop
    url, data = _change_form(admin_client, transfer)
    data["quantity"] = ["12"]
    data["change_reason"] = ["Per the 2017 register"]
    assert admin_client.post(url, data).status_code == 302
    latest = transfer.history.latest()
    assert (latest.quantity, latest.history_change_reason, latest.history_user) == (
        12,
        "Per the 2017 register",
        admin_user,
    )


def test_reverting_to_parties_that_are_now_stops_is_refused_without_a_500(
    admin_client, russia, iran, s300
):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300)
    StatusEventFactory(transfer=transfer)
    first = transfer.history.earliest()
    transfer.supplier = other = ActorFactory(slug="belarus")
    transfer.save()
    TransferIntermediary.objects.create(transfer=transfer, actor=russia, position=1)
    url = reverse("admin:transfers_transfer_simple_history", args=[transfer.pk, first.history_id])
    data = form_data(admin_client.get(url).content.decode(), "historicaltransfer_form")
    response = admin_client.post(url, data)
    assert response.status_code == 302
    page = admin_client.get(response["Location"]).content.decode()
    assert "cannot also be an intermediary" in page
    transfer.refresh_from_db()
    assert transfer.supplier == other


def test_a_status_event_stays_with_its_transfer_in_the_admin(admin_client, with_a_stop):
    transfer, _stop = with_a_stop
    event = transfer.status_events.get()
    other = TransferFactory()
    StatusEventFactory(transfer=other)
    url = reverse("admin:transfers_statusevent_change", args=[event.pk])
    data = form_data(admin_client.get(url).content.decode(), "statusevent_form")
    assert "transfer" not in data
    data.update({"transfer": [str(other.pk)], "stage": ["cancelled"]})
    assert admin_client.post(url, data).status_code == 302
    event.refresh_from_db()
    transfer.refresh_from_db()
    assert event.transfer == transfer
    # The change went through the model's status rule: the transfer follows it.
    assert transfer.stage == "cancelled" == StatusEvent.objects.get(pk=event.pk).stage
