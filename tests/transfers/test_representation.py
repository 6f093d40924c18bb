"""TransferRows (the one way a transfer is shown) says what the models say,
for every transfer: the seed's, generated ones (with intermediaries and
deliveries, packages, values and quantity ranges) and ones with values, a
package, an end date and an uncited event.

The reference is read independently of the rows: model instances through the
ORM, their `__str__`, links reversed by DRF, and DRF's own formatting of a
decimal and a timestamp."""

import decimal

import pytest
from django.core.management import call_command
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.test import APIRequestFactory

from common.dates import format_partial_date
from tests.helpers import documented_transfer
from transfers.api.representation import TransferRows
from transfers.api.serializers import TransferSerializer
from transfers.demo_data import generate
from transfers.factories import PackageFactory, ValueFactory
from transfers.models import StatusEvent, Transfer, Value

pytestmark = pytest.mark.django_db


def _link(request, name, pk):
    return reverse(f"api:{name}-detail", kwargs={"pk": pk}, request=request)


def _brief(request, name, record, *, label):
    return {
        "id": record.pk,
        "url": _link(request, name, record.pk),
        "slug": record.slug,
        "name": label,
        "display": str(record),
    }


def _source(request, source):
    return {
        "id": source.pk,
        "url": _link(request, "source", source.pk),
        "slug": source.slug,
        "title": source.title,
        "publisher": source.publisher,
        "publication_date": source.publication_date_display,
        "publication_date_precision": source.publication_date_precision or None,
        "display": str(source),
    }


def _expected(transfer, request) -> dict:
    """A transfer's JSON as its model instances and DRF's formatting give it."""
    model = Value._meta
    amount_field = serializers.DecimalField(
        max_digits=model.get_field("amount").max_digits,
        decimal_places=model.get_field("amount").decimal_places,
    )
    package = transfer.package
    timestamp = serializers.DateTimeField().to_representation
    return {
        "id": transfer.pk,
        "url": _link(request, "transfer", transfer.pk),
        "display": str(transfer),
        "slug": transfer.slug,
        "supplier": _brief(request, "actor", transfer.supplier, label=transfer.supplier.name),
        "recipient": _brief(request, "actor", transfer.recipient, label=transfer.recipient.name),
        "intermediaries": [
            {**_brief(request, "actor", link.actor, label=link.actor.name), "role": link.role}
            for link in transfer.intermediary_links.order_by("position")
        ],
        "system": _brief(request, "system", transfer.system, label=transfer.system.designation),
        "transfer_type": transfer.transfer_type,
        "stage": transfer.stage,
        "reached_agreement": transfer.reached_agreement,
        "credibility": transfer.credibility,
        "independent_sources": transfer.independent_sources,
        "start_date": format_partial_date(transfer.start_date, transfer.start_date_precision),
        "start_date_precision": transfer.start_date_precision or None,
        "end_date": format_partial_date(transfer.end_date, transfer.end_date_precision),
        "end_date_precision": transfer.end_date_precision or None,
        "quantity": transfer.quantity,
        "quantity_max": transfer.quantity_max,
        "quantity_is_estimate": transfer.quantity_is_estimate,
        "condition": transfer.condition,
        "notes": transfer.notes,
        "package": None
        if package is None
        else {
            "id": package.pk,
            "url": _link(request, "package", package.pk),
            "slug": package.slug,
            "name": package.name,
        },
        "values": [
            {
                "id": value.pk,
                "url": _link(request, "value", value.pk),
                "kind": value.kind,
                "amount": amount_field.to_representation(value.amount),
                "currency": value.currency,
                "is_estimate": value.is_estimate,
                "is_hedged": value.is_hedged,
                "citation": value.citation_id,
                "package": value.package_id,
                "note": value.note,
            }
            for value in transfer.values.order_by("id")
        ],
        "status_history": [
            {
                "id": event.pk,
                "url": _link(request, "statusevent", event.pk),
                "stage": event.stage,
                "date": event.date_display,
                "date_precision": event.date_precision or None,
                "date_is_inferred": event.date_is_inferred,
                "first_reported": event.first_reported_display,
                "first_reported_precision": event.first_reported_precision or None,
                "credibility": event.credibility,
                "computed_credibility": event.computed_credibility,
                "credibility_override": event.credibility_override,
                "credibility_override_reason": event.credibility_override_reason,
                "independent_sources": event.independent_sources,
                "note": event.note,
            }
            for event in transfer.status_events.all()
        ],
        "citations": [
            {
                "id": citation.pk,
                "url": _link(request, "citation", citation.pk),
                "source": _source(request, citation.source),
                "quote": citation.quote,
                "location": citation.location,
                "anchor_state": citation.anchor_state,
                "document": citation.document_id,
                "start": citation.start,
                "end": citation.end,
                "stance": citation.stance,
                "attributed_to": citation.attributed_to,
                "attributed_to_actor": (
                    None
                    if citation.attributed_to_actor is None
                    else _brief(
                        request,
                        "actor",
                        citation.attributed_to_actor,
                        label=citation.attributed_to_actor.name,
                    )
                ),
                "relays": [
                    _source(request, relay.source) for relay in citation.relays.order_by("position")
                ],
                "status_event": citation.status_event_id,
                "note": citation.note,
            }
            for citation in transfer.citations.order_by("id")
        ],
        "created": timestamp(transfer.created),
        "updated": timestamp(transfer.updated),
    }


def _assert_same(request):
    transfers = list(Transfer.objects.with_parties().order_by("id"))
    assert transfers, "nothing to compare"
    rows = TransferRows.for_request(request)
    built = rows.build(rows.columns(Transfer.objects.order_by("id")))
    assert len(built) == len(transfers)
    for ours, transfer in zip(built, transfers, strict=True):
        expected = _expected(transfer, request)
        assert ours == expected
        assert list(ours) == list(expected)  # the same key order, too


@pytest.fixture
def request_():
    return APIRequestFactory().get("/api/v1/transfers/", HTTP_HOST="testserver")


def test_seed_transfers_read_the_same(request_):
    call_command("load_seed", verbosity=0)
    _assert_same(request_)


def test_generated_transfers_read_the_same(request_):
    counts = generate(transfers=300, seed=11, batch_size=50)
    assert counts["intermediaries"] > 0
    assert counts["packages"] > 0
    assert Value.objects.filter(transfer__isnull=False).exists()
    assert Transfer.objects.filter(quantity_max__isnull=False).exists()
    _assert_same(request_)


def test_values_packages_end_dates_and_uncited_events_read_the_same(request_):
    package = PackageFactory(name="Shopping list", slug="shopping-list")
    transfer = documented_transfer(package=package, quantity=24, quantity_max=36)
    cited = transfer.citations.order_by("id").first()
    ValueFactory(transfer=transfer, amount=decimal.Decimal("1234.5"), citation=cited)
    ValueFactory(transfer=transfer, kind="payment", amount=1, currency="EUR", is_hedged=True)
    ValueFactory(transfer=None, package=package, kind="package", citation=cited)
    transfer.end_date, transfer.end_date_precision = transfer.start_date, "year"
    transfer.save()
    StatusEvent.objects.create(transfer=transfer, stage="cancelled", note="no date, no quote")
    documented_transfer()  # no package, no values
    _assert_same(request_)
    built, _other = TransferRows.for_request(request_).build(
        TransferRows.columns(Transfer.objects.order_by("id"))
    )
    assert [value["amount"] for value in built["values"]] == ["1234.50", "1.00"]
    assert built["package"]["slug"] == "shopping-list"
    # The package's own value is the package's, not shown on its transfers.
    assert {value["kind"] for value in built["values"]} == {"contract", "payment"}


@pytest.mark.parametrize("in_package", [False, True])
def test_one_transfer_reads_as_in_the_list(request_, in_package):
    documented_transfer(package=PackageFactory() if in_package else None)
    transfer = Transfer.objects.with_parties().get()
    rows = TransferRows.for_request(request_)
    assert rows.of(transfer) == rows.build(rows.columns(Transfer.objects.all()))[0]


def test_the_serializer_shows_a_transfer_as_the_rows_do(request_):
    """TransferSerializer has no representation of its own: its fields are
    the rows' (plus the write-only `initial_stage`), and so is its output."""
    documented_transfer()
    transfer = Transfer.objects.with_parties().get()
    serializer = TransferSerializer(transfer, context={"request": request_})
    shown = TransferRows.for_request(request_).of(transfer)
    assert serializer.data == shown
    readable = [name for name, field in serializer.fields.items() if not field.write_only]
    assert readable == list(shown)


def test_attributions_relays_and_overrides_read_the_same(request_):
    from actors.factories import ActorFactory
    from sources.factories import SourceFactory
    from transfers import services

    transfer = documented_transfer()
    citation = transfer.citations.order_by("id").first()
    citation.attributed_to = "Ukrainian intelligence"
    citation.attributed_to_actor = ActorFactory(name="Ukraine")
    services.citation_save(citation, relays=[SourceFactory(), SourceFactory(title="")])
    event = transfer.status_events.last()
    event.credibility_override, event.credibility_override_reason = 4, "Only the IDF says so."
    services.status_history_change(transfer, save=[event])
    _assert_same(request_)
    (built,) = TransferRows.for_request(request_).build(
        TransferRows.columns(Transfer.objects.all())
    )
    [shown] = [c for c in built["citations"] if c["id"] == citation.pk]
    assert shown["attributed_to_actor"]["name"] == "Ukraine"
    assert len(shown["relays"]) == 2
    assert built["status_history"][-1]["credibility"] == 4
