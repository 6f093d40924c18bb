import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from sources.models import Source
from transfers import evidence
from transfers.audit import ERROR, run_audit
from transfers.demo_data import generate
from transfers.models import (
    Citation,
    CitationRelay,
    Delivery,
    Package,
    StatusEvent,
    Transfer,
    TransferIntermediary,
    Value,
)

pytestmark = pytest.mark.django_db(transaction=False)


def _snapshot():
    return list(
        Transfer.objects.order_by("slug").values_list(
            "slug", "supplier__slug", "recipient__slug", "system__slug", "stage", "start_date"
        )
    )


def test_generated_data_is_valid_and_cited():
    counts = generate(transfers=200, seed=3, batch_size=25)

    assert counts["transfers"] == Transfer.objects.count() == 200
    assert counts["intermediaries"] == TransferIntermediary.objects.count() > 0
    assert counts["deliveries"] == Delivery.objects.count() > 0
    for link in TransferIntermediary.objects.select_related("transfer"):
        link.full_clean()
    for delivery in Delivery.objects.select_related("transfer"):
        delivery.full_clean()
        assert delivery.transfer.stage in ("agreed", "delivering", "delivered")
        assert delivery.year > delivery.transfer.start_date.year
    assert counts["status_events"] == StatusEvent.objects.count() >= 60
    assert counts["citations"] == Citation.objects.count()
    assert [f for f in run_audit() if f.severity == ERROR] == []
    for transfer in Transfer.objects.select_related("supplier", "recipient", "system")[:20]:
        transfer.full_clean()
        assert transfer.stage == transfer.latest_status_event().stage
    assert Transfer.history.count() == 200
    assert TransferIntermediary.history.count() == counts["intermediaries"]
    assert StatusEvent.history.count() == counts["status_events"]
    assert counts["relays"] == CitationRelay.objects.count() > 0


def test_generated_evidence_is_what_the_rule_derives_and_mixed():
    """The generator computes the derived evidence itself (no second pass over
    a million rows); it must be exactly what transfers.evidence derives."""
    generate(transfers=300, seed=7, batch_size=40)
    assert evidence.refresh_all() == 0
    stances = set(Citation.objects.values_list("stance", flat=True))
    assert stances == {"supports", "supports_hedged", "contradicts"}
    assert Source.objects.filter(copy_of__isnull=False).exists()
    assert Citation.objects.exclude(attributed_to="").exists()
    credibilities = set(Transfer.objects.values_list("credibility", flat=True))
    assert len(credibilities) >= 4
    assert Transfer.objects.filter(reached_agreement=True).exists()
    assert Transfer.objects.filter(reached_agreement=False).exists()


def test_generated_values_packages_and_ranges_are_a_realistic_valid_mix():
    counts = generate(transfers=600, seed=7, batch_size=100)
    assert counts["values"] == Value.objects.count() == Value.history.count()
    assert counts["packages"] == Package.objects.count() > 0
    for value in Value.objects.select_related("citation__transfer"):
        value.full_clean()
    sizes = []
    for package in Package.objects.prefetch_related("transfers", "values"):
        package.full_clean()
        members = list(package.transfers.all())
        sizes.append(len(members))
        assert len({(t.supplier_id, t.recipient_id) for t in members}) == 1
        # One value for the whole, none on its items.
        assert [value.kind for value in package.values.all()] == ["package"]
        assert not Value.objects.filter(transfer__in=members).exists()
    # Three to six deals each, but the last, which the generation may cut short.
    assert min(sizes) >= 1 and sum(size >= 3 for size in sizes) >= len(sizes) - 1
    kinds = set(Value.objects.values_list("kind", flat=True))
    assert kinds == {"contract", "payment", "package"}
    assert Value.objects.filter(kind="payment", is_hedged=True).exists()
    assert Value.objects.filter(kind="contract", is_estimate=True).exists()
    ranges = Transfer.objects.filter(quantity_max__isnull=False)
    assert ranges.exists()
    for transfer in ranges.select_related("supplier", "recipient", "system"):
        transfer.full_clean()


def test_generation_is_reproducible_for_a_seed():
    with transaction.atomic():
        generate(transfers=30, seed=9)
        first = _snapshot()
        transaction.set_rollback(True)
    generate(transfers=30, seed=9)
    assert _snapshot() == first


def test_new_rows_after_generation_get_fresh_ids():
    generate(transfers=5, seed=4)
    transfer = Transfer.objects.first()
    event = StatusEvent.objects.create(transfer=transfer, stage="agreed")
    assert event.pk > max(StatusEvent.objects.exclude(pk=event.pk).values_list("pk", flat=True))


def test_command_reports_counts_and_refuses_a_seed_twice(capsys):
    call_command("generate_demo_data", "--transfers", "10", "--seed", "5", "--no-progress")
    assert "10 transfers" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already in this database"):
        call_command("generate_demo_data", "--transfers", "10", "--seed", "5", "--no-progress")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("generate_demo_data", "--transfers", "0")


@pytest.mark.postgres
def test_the_command_gives_the_planner_statistics_of_what_it_wrote(capsys):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (set DATABASE_URL to one)")
    call_command("generate_demo_data", "--transfers", "40", "--no-progress")
    assert "ANALYZE" in capsys.readouterr().out
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN "
            "('transfers_transfer', 'transfers_statusevent', 'sources_citation')"
        )
        estimated = dict(cursor.fetchall())
    # ANALYZE reads every row of tables this small, so its estimate is the count.
    assert estimated == {
        "transfers_transfer": Transfer.objects.count(),
        "transfers_statusevent": StatusEvent.objects.count(),
        "sources_citation": Citation.objects.count(),
    }
