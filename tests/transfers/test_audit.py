import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from actors.factories import ActorFactory
from transfers.audit import normalise_name, run_audit
from transfers.choices import Stance
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import CitationRelay, StatusEvent, Transfer

pytestmark = pytest.mark.django_db


def _cited_transfer(**kwargs):
    transfer = TransferFactory(**kwargs)
    event = StatusEventFactory(transfer=transfer, stage=transfer.stage)
    CitationFactory(transfer=transfer, status_event=event)
    return transfer


def _checks(findings, severity=None):
    return {
        (f.check, f.model, f.object_id)
        for f in findings
        if severity is None or f.severity == severity
    }


def test_a_fully_cited_database_has_no_errors():
    _cited_transfer()
    assert _checks(run_audit(), "error") == set()


def test_missing_citations_are_errors():
    uncited = TransferFactory()
    event = StatusEventFactory(transfer=uncited)
    errors = _checks(run_audit(), "error")
    assert ("transfer_without_citation", "transfer", uncited.pk) in errors
    assert ("status_event_without_citation", "statusevent", event.pk) in errors


def test_a_transfer_without_history_is_an_error():
    transfer = TransferFactory()
    CitationFactory(transfer=transfer)
    assert ("transfer_without_status_event", "transfer", transfer.pk) in _checks(
        run_audit(), "error"
    )


def test_a_stored_status_out_of_step_with_history_is_an_error():
    transfer = _cited_transfer()
    Transfer.objects.filter(pk=transfer.pk).update(stage="cancelled")
    assert ("status_out_of_step", "transfer", transfer.pk) in _checks(run_audit(), "error")


def test_a_claim_resting_on_one_root_is_a_warning():
    """Two citations, but the second relays the first's report: one root."""
    single = _cited_transfer()
    event = single.status_events.get()
    original = single.citations.get().source
    relaying = CitationFactory(transfer=single, status_event=event)
    CitationRelay.objects.create(citation=relaying, source=original, position=1)
    double = _cited_transfer()
    CitationFactory(transfer=double, status_event=double.status_events.get())
    findings = _checks(run_audit(), "warning")
    assert ("claim_on_one_root", "statusevent", event.pk) in findings
    assert ("claim_on_one_root", "statusevent", double.status_events.get().pk) not in findings


def test_overrides_are_listed_with_their_reason():
    transfer = _cited_transfer()
    event = transfer.status_events.get()
    assert ("credibility_override", "statusevent", event.pk) not in _checks(run_audit())
    event.credibility_override = 1
    event.credibility_override_reason = "Seen in satellite imagery."
    event.full_clean()
    event.save()
    [finding] = [f for f in run_audit() if f.check == "credibility_override"]
    assert finding.object_id == event.pk
    assert finding.message.endswith("Seen in satellite imagery.")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusEvent.objects.filter(pk=event.pk).update(credibility_override_reason="")


def test_contradicting_citations_are_flagged():
    transfer = _cited_transfer()
    CitationFactory(transfer=transfer, stance=Stance.CONTRADICTS)
    assert ("contradicting_citations", "transfer", transfer.pk) in _checks(run_audit())


def test_unused_actors_and_systems_are_warnings():
    actor = ActorFactory()
    system = SystemFactory(origin=None)
    warnings = _checks(run_audit(), "warning")
    assert ("actor_without_transfers", "actor", actor.pk) in warnings
    assert ("system_without_transfers", "system", system.pk) in warnings


def test_names_and_aliases_that_normalise_alike_are_probable_duplicates():
    houthis = ActorFactory(name="Houthis", slug="houthis", kind="armed_group", country="YE")
    ansar = ActorFactory(
        name="Ansar Allah",
        slug="ansar-allah",
        kind="armed_group",
        country="YE",
        aliases=["The Houthis"],
    )
    other = ActorFactory(name="Hezbollah", slug="hezbollah", kind="armed_group", country="LB")
    duplicates = [f for f in run_audit() if f.check == "probable_duplicate"]
    assert len(duplicates) == 1
    assert duplicates[0].object_id == houthis.pk
    assert f"#{ansar.pk}" in duplicates[0].message
    assert f"#{other.pk}" not in duplicates[0].message


@pytest.mark.parametrize(
    ("name", "expected"),
    [("The Houthis", "houthis"), ("Hashd al-Sha’bi", "hashdalshabi"), ("S-300", "s300")],
)
def test_normalise_name(name, expected):
    assert normalise_name(name) == expected


def test_command_exits_non_zero_on_errors_and_prints_json(capsys):
    transfer = TransferFactory()
    CitationFactory(transfer=transfer)
    StatusEventFactory(transfer=transfer)  # an uncited event: the one error
    with pytest.raises(CommandError, match="found 1 errors"):
        call_command("audit_data", "--format", "json")
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["errors"] == 1
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert errors[0]["check"] == "status_event_without_citation"


def test_command_passes_with_warnings_only(capsys):
    _cited_transfer(system=SystemFactory(origin=None))
    unused = ActorFactory()
    call_command("audit_data")
    out = capsys.readouterr().out
    assert f"actor_without_transfers  actor #{unused.pk}" in out
    # The one claim rests on one report, and the actor is unused.
    assert out.strip().endswith("0 errors, 2 warnings.")
