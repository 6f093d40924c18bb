"""Transfers' rules: in clean(), in the database, the derived status, and what
deleting takes or refuses."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from actors.factories import ActorFactory
from actors.models import Actor
from common.dates import DatePrecision
from sources.factories import SourceFactory
from transfers.choices import Stage
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import Citation, StatusEvent, Transfer

pytestmark = pytest.mark.django_db


def test_transfer_str_reads_like_an_editor_would_say_it(russia, iran, s300):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300, stage=Stage.AGREED)
    assert str(transfer) == "Russia → Iran: S-300 (agreed)"


def test_transfer_slug_is_generated_from_parties_system_and_year(russia, iran, s300):
    first = TransferFactory(supplier=russia, recipient=iran, system=s300)
    second = TransferFactory(supplier=russia, recipient=iran, system=s300)
    assert first.slug == "russia-iran-s-300-2016"
    assert second.slug == "russia-iran-s-300-2016-2"


# --- validation in the model layer (what the admin and the API show) ---------


def test_clean_refuses_supplier_equal_to_recipient(russia, s300):
    transfer = Transfer(supplier=russia, recipient=russia, system=s300)
    with pytest.raises(ValidationError) as excinfo:
        transfer.full_clean()
    assert "recipient" in excinfo.value.message_dict


def test_clean_refuses_end_before_start_at_the_ends_precision(russia, iran, s300):
    transfer = Transfer(
        supplier=russia,
        recipient=iran,
        system=s300,
        start_date=datetime.date(2016, 5, 3),
        start_date_precision=DatePrecision.DAY,
        end_date=datetime.date(2015, 1, 1),
        end_date_precision=DatePrecision.YEAR,
    )
    with pytest.raises(ValidationError) as excinfo:
        transfer.full_clean()
    assert excinfo.value.message_dict["end_date"] == [
        "The end (2015) is before the start (2016-05-03)."
    ]


def test_clean_accepts_an_end_year_that_contains_the_start(russia, iran, s300):
    transfer = Transfer(
        supplier=russia,
        recipient=iran,
        system=s300,
        start_date=datetime.date(2016, 5, 3),
        start_date_precision=DatePrecision.DAY,
        end_date=datetime.date(2016, 1, 1),
        end_date_precision=DatePrecision.YEAR,
    )
    transfer.full_clean()
    transfer.save()


def test_clean_truncates_a_date_to_its_precision(russia, iran, s300):
    transfer = Transfer(
        supplier=russia,
        recipient=iran,
        system=s300,
        start_date=datetime.date(2016, 5, 3),
        start_date_precision=DatePrecision.YEAR,
    )
    transfer.full_clean()
    assert transfer.start_date == datetime.date(2016, 1, 1)
    assert transfer.start_date_display == "2016"


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"quantity_is_estimate": True}, "quantity_is_estimate"),
        ({"quantity_max": 10}, "quantity"),
        ({"quantity": 10, "quantity_max": 9}, "quantity_max"),
        ({"start_date": datetime.date(2016, 1, 1)}, "start_date_precision"),
        ({"start_date_precision": DatePrecision.YEAR}, "start_date"),
    ],
)
def test_clean_reports_field_errors(russia, iran, s300, fields, error_field):
    transfer = Transfer(supplier=russia, recipient=iran, system=s300, **fields)
    with pytest.raises(ValidationError) as excinfo:
        transfer.full_clean()
    assert error_field in excinfo.value.message_dict


def test_citation_on_a_status_event_takes_its_transfer():
    event = StatusEventFactory()
    citation = Citation.objects.create(source=SourceFactory(), status_event=event, quote="It was.")
    assert citation.transfer_id == event.transfer_id


def test_citation_cannot_cite_another_transfers_event():
    event = StatusEventFactory()
    citation = CitationFactory.build(
        source=SourceFactory(), transfer=TransferFactory(), status_event=event
    )
    with pytest.raises(ValidationError) as excinfo:
        citation.full_clean()
    assert "status_event" in excinfo.value.message_dict


# --- the same rules in the database: a write that skips clean() must fail ---


def test_orm_save_of_supplier_equal_to_recipient_fails_in_the_database(russia, s300):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(supplier=russia, recipient=russia, system=s300, slug="self")


def _insert_transfer(cursor, **overrides):
    row = {
        "slug": "raw-row",
        "supplier_id": overrides.pop("supplier_id"),
        "recipient_id": overrides.pop("recipient_id"),
        "system_id": overrides.pop("system_id"),
        "transfer_type": "sale",
        "stage": "under_discussion",
        "quantity": 10,
        "quantity_max": None,
        "quantity_is_estimate": False,
        "package_id": None,
        "condition": "",
        "start_date": "2016-01-01",
        "start_date_precision": "year",
        "end_date": None,
        "end_date_precision": "",
        "notes": "",
        "created": "2024-01-01 00:00:00+00:00",
        "updated": "2024-01-01 00:00:00+00:00",
    }
    row.update(overrides)
    columns = ", ".join(row)
    placeholders = ", ".join(["%s"] * len(row))
    cursor.execute(
        f"INSERT INTO transfers_transfer ({columns}) VALUES ({placeholders})", list(row.values())
    )


BROKEN_TRANSFER_ROWS = {
    "supplier is recipient": {"recipient_id": "SUPPLIER"},
    "negative quantity": {"quantity": -1},
    "estimate of an unknown quantity": {"quantity": None, "quantity_is_estimate": True},
    "range without its low end": {"quantity": None, "quantity_max": 12},
    "range high end below its low end": {"quantity": 10, "quantity_max": 9},
    "unknown stage": {"stage": "rumoured"},
    "unknown transfer type": {"transfer_type": "theft"},
    "date without precision": {"start_date_precision": ""},
    "precision without date": {"start_date": None},
    "end day before start": {
        "start_date": "2016-05-03",
        "start_date_precision": "day",
        "end_date": "2016-05-02",
        "end_date_precision": "day",
    },
    "end year before start": {"end_date": "2015-01-01", "end_date_precision": "year"},
}


@pytest.mark.parametrize("broken", BROKEN_TRANSFER_ROWS.values(), ids=BROKEN_TRANSFER_ROWS.keys())
def test_raw_insert_that_breaks_a_rule_fails(django_db_blocker, russia, iran, s300, broken):
    from django.db import connection

    parties = {"supplier_id": russia.pk, "recipient_id": iran.pk, "system_id": s300.pk}
    overrides = {
        key: parties["supplier_id"] if value == "SUPPLIER" else value
        for key, value in broken.items()
    }
    with connection.cursor() as cursor:
        # The same row without the break goes in: the failure below is the rule's.
        with transaction.atomic():
            _insert_transfer(cursor, **parties, slug="control")
        with pytest.raises(IntegrityError), transaction.atomic():
            _insert_transfer(cursor, **{**parties, **overrides})


def test_raw_insert_of_a_year_end_within_the_start_year_is_allowed(russia, iran, s300):
    from django.db import connection

    with connection.cursor() as cursor:
        _insert_transfer(
            cursor,
            supplier_id=russia.pk,
            recipient_id=iran.pk,
            system_id=s300.pk,
            start_date="2016-05-03",
            start_date_precision="day",
            end_date="2016-01-01",
            end_date_precision="year",
        )
    assert Transfer.objects.filter(slug="raw-row").exists()


def test_duplicate_slug_fails_in_the_database(russia):
    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(name="Other", slug="russia", kind="state", country="RU")


def test_citation_without_quote_fails_in_the_database():
    transfer = TransferFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Citation.objects.create(source=SourceFactory(), transfer=transfer, quote="")


# --- status history ----------------------------------------------------------


def _event(transfer, status, year, precision=DatePrecision.YEAR):
    date = None if year is None else datetime.date(year, 1, 1)
    return StatusEvent.objects.create(
        transfer=transfer, stage=status, date=date, date_precision=precision if year else ""
    )


def test_current_status_follows_the_latest_event():
    transfer = TransferFactory(stage=Stage.REQUESTED)
    _event(transfer, Stage.REQUESTED, 2005)
    _event(transfer, Stage.AGREED, 2016)
    transfer.refresh_from_db()
    assert transfer.stage == Stage.AGREED


def test_an_event_entered_late_but_dated_earlier_does_not_become_current():
    transfer = TransferFactory()
    _event(transfer, Stage.AGREED, 2016)
    _event(transfer, Stage.REQUESTED, 2005)
    transfer.refresh_from_db()
    assert transfer.stage == Stage.AGREED


def test_a_cancelled_deal_revived_later_keeps_both_facts():
    transfer = TransferFactory()
    _event(transfer, Stage.UNDER_DISCUSSION, 2007)
    _event(transfer, Stage.CANCELLED, 2010)
    _event(transfer, Stage.AGREED, 2016)
    transfer.refresh_from_db()
    assert transfer.stage == Stage.AGREED
    assert list(transfer.status_events.values_list("stage", flat=True)) == [
        "under_discussion",
        "cancelled",
        "agreed",
    ]


def test_deleting_the_latest_event_falls_back_to_the_one_before():
    transfer = TransferFactory()
    _event(transfer, Stage.UNDER_DISCUSSION, 2007)
    latest = _event(transfer, Stage.CANCELLED, 2010)
    latest.delete()
    transfer.refresh_from_db()
    assert transfer.stage == Stage.UNDER_DISCUSSION


def test_an_undated_event_counts_as_earlier_than_dated_ones():
    transfer = TransferFactory()
    _event(transfer, Stage.AGREED, 2016)
    _event(transfer, Stage.REQUESTED, None)
    transfer.refresh_from_db()
    assert transfer.stage == Stage.AGREED
    assert transfer.latest_status_event().stage == Stage.AGREED


# --- protected deletes ---------------------------------------------------------


def test_deleting_an_actor_with_transfers_is_refused(russia, iran, s300):
    TransferFactory(supplier=russia, recipient=iran, system=s300)
    with pytest.raises(ProtectedError, match="protected foreign keys"):
        iran.delete()
    assert Transfer.objects.count() == 1


def test_deleting_a_system_with_transfers_is_refused(s300):
    TransferFactory(system=s300)
    with pytest.raises(ProtectedError):
        s300.delete()


def test_deleting_the_origin_of_a_system_is_refused(russia, s300):
    with pytest.raises(ProtectedError):
        russia.delete()


def test_deleting_a_transfer_takes_its_own_events_and_citations_but_keeps_the_source():
    citation = CitationFactory()
    transfer, source = citation.transfer, citation.source
    StatusEventFactory(transfer=transfer)
    transfer.delete()
    assert not StatusEvent.objects.exists()
    assert not Citation.objects.exists()
    assert source.__class__.objects.filter(pk=source.pk).exists()


def test_unused_actor_and_system_can_be_deleted():
    actor = ActorFactory()
    system = SystemFactory(origin=None)
    actor.delete()
    system.delete()
