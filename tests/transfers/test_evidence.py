"""How sure we can be: the credibility rule, independent roots, and the
derived fields kept true on every write that changes the evidence."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from common.dates import DatePrecision
from sources.choices import Reliability
from sources.factories import SourceFactory
from transfers import evidence, services
from transfers.choices import Credibility, Stage, Stance
from transfers.evidence import Evidence, credibility, independent_roots
from transfers.factories import CitationFactory, StatusEventFactory, TransferFactory
from transfers.models import CitationRelay, StatusEvent, Transfer

S, H, C = Stance.SUPPORTS, Stance.SUPPORTS_HEDGED, Stance.CONTRADICTS


# --- the rule, case by case ----------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([], Credibility.CANNOT_BE_JUDGED),
        ([(1, "B", C)], Credibility.IMPROBABLE),
        ([(1, "B", S), (2, "B", C)], Credibility.DOUBTFUL),
        ([(1, "B", S), (2, "F", H), (3, "B", C)], Credibility.POSSIBLY_TRUE),
        ([(1, "B", S), (2, "C", S)], Credibility.CONFIRMED),
        # Two reports, but only one from a source graded A–C.
        ([(1, "B", S), (2, "F", S)], Credibility.PROBABLY_TRUE),
        # One report, from a usually reliable source.
        ([(1, "B", S)], Credibility.PROBABLY_TRUE),
        # One report; a hedged second root does not raise it.
        ([(1, "F", S), (2, "F", H)], Credibility.POSSIBLY_TRUE),
        ([(1, "F", S), (2, "F", S)], Credibility.PROBABLY_TRUE),
        ([(1, "C", S)], Credibility.POSSIBLY_TRUE),
        ([(1, "F", S)], Credibility.POSSIBLY_TRUE),
        ([(1, "A", H)], Credibility.DOUBTFUL),
        ([(1, "F", H), (2, "F", H)], Credibility.POSSIBLY_TRUE),
        # Copies of one report are one root, however many.
        ([(1, "B", S), (1, "B", S), (1, "B", S)], Credibility.PROBABLY_TRUE),
        # A root both plain and hedged counts once, as plain.
        ([(1, "C", S), (1, "C", H)], Credibility.POSSIBLY_TRUE),
    ],
)
def test_the_rule(items, expected):
    assert credibility(Evidence(*item) for item in items) == expected


def test_independent_roots_count_supports_not_contradictions():
    items = [Evidence(1, "B", S), Evidence(1, "B", H), Evidence(2, "F", H), Evidence(3, "A", C)]
    assert independent_roots(items) == 2


# --- roots from documents and relays -------------------------------------------------


def _claim(stage=Stage.AGREED, **source):
    transfer = TransferFactory()
    event = StatusEventFactory(transfer=transfer, stage=stage)
    citation = CitationFactory(
        transfer=transfer, status_event=event, source=SourceFactory(**source)
    )
    return transfer, event, citation


def _fresh(record):
    record.refresh_from_db()
    return record


@pytest.mark.django_db
def test_a_citation_write_recomputes_its_claim_and_transfer():
    transfer, event, _ = _claim(reliability=Reliability.F)
    assert (_fresh(event).computed_credibility, event.independent_sources) == (3, 1)
    assert (_fresh(transfer).credibility, transfer.independent_sources) == (3, 1)
    CitationFactory(transfer=transfer, status_event=event, source=SourceFactory(reliability="B"))
    assert _fresh(event).independent_sources == 2
    assert _fresh(transfer).credibility == Credibility.PROBABLY_TRUE


@pytest.mark.django_db
def test_a_copy_is_the_same_work_as_its_original():
    """Documents 003 and 004 of the seed: an excerpt and its full text."""
    transfer, event, citation = _claim(reliability=Reliability.C)
    excerpt = SourceFactory(copy_of=citation.source, reliability=Reliability.C)
    CitationFactory(transfer=transfer, status_event=event, source=excerpt)
    assert _fresh(event).independent_sources == 1
    assert event.computed_credibility == Credibility.POSSIBLY_TRUE


@pytest.mark.django_db
def test_a_relay_is_rooted_at_the_report_it_passes_on():
    """CNAS relaying the WSJ and the WSJ itself are one root; the WSJ's grade counts."""
    transfer, event, wsj_citation = _claim(reliability=Reliability.B)
    wsj = wsj_citation.source
    relaying = CitationFactory(
        transfer=transfer, status_event=event, source=SourceFactory(reliability="C")
    )
    assert _fresh(event).independent_sources == 2
    assert event.computed_credibility == Credibility.CONFIRMED
    services.citation_set_relays(relaying, [wsj])
    assert _fresh(event).independent_sources == 1
    assert event.computed_credibility == Credibility.PROBABLY_TRUE
    assert _fresh(transfer).credibility == Credibility.PROBABLY_TRUE
    # Deleting the relay gives the relaying document back its own root.
    CitationRelay.objects.get(citation=relaying).delete()
    assert _fresh(event).independent_sources == 2


@pytest.mark.django_db
def test_a_change_of_a_sources_grade_or_original_follows():
    transfer, event, citation = _claim(reliability=Reliability.F)
    assert _fresh(event).computed_credibility == Credibility.POSSIBLY_TRUE
    source = citation.source
    source.reliability = Reliability.A
    source.save()
    assert _fresh(event).computed_credibility == Credibility.PROBABLY_TRUE
    other = CitationFactory(
        transfer=transfer, status_event=event, source=SourceFactory(reliability="A")
    )
    assert _fresh(event).computed_credibility == Credibility.CONFIRMED
    other.source.copy_of = source
    other.source.save()
    assert _fresh(event).independent_sources == 1


@pytest.mark.django_db
def test_hedges_and_contradictions():
    transfer, event, citation = _claim(reliability=Reliability.B)
    citation.stance = Stance.SUPPORTS_HEDGED
    services.citation_save(citation)
    assert _fresh(event).computed_credibility == Credibility.DOUBTFUL
    CitationFactory(transfer=transfer, status_event=event, stance=Stance.CONTRADICTS)
    assert _fresh(event).computed_credibility == Credibility.DOUBTFUL
    citation.delete()
    assert _fresh(event).computed_credibility == Credibility.IMPROBABLE
    assert _fresh(transfer).independent_sources == 0


@pytest.mark.django_db
def test_an_override_with_its_reason_wins_and_is_kept_in_the_history():
    transfer, event, _ = _claim(reliability=Reliability.F)
    event.credibility_override = Credibility.CONFIRMED
    event.credibility_override_reason = "Delivery seen in satellite imagery (editor's check)."
    services.status_history_change(transfer, save=[event])
    event = _fresh(event)
    assert (event.credibility, event.computed_credibility) == (1, 3)
    assert _fresh(transfer).credibility == Credibility.CONFIRMED
    latest = event.history.latest()
    assert latest.credibility_override == 1
    assert latest.credibility_override_reason.startswith("Delivery seen")


@pytest.mark.django_db
def test_an_override_needs_a_reason_and_a_reason_an_override():
    _, event, _ = _claim()
    event.credibility_override = 2
    with pytest.raises(ValidationError) as caught:
        event.full_clean()
    assert "credibility_override_reason" in caught.value.message_dict
    event.credibility_override, event.credibility_override_reason = None, "Because."
    with pytest.raises(ValidationError) as caught:
        event.full_clean()
    assert "credibility_override" in caught.value.message_dict


@pytest.mark.django_db
def test_the_transfer_shows_its_current_stages_credibility_and_whether_it_was_agreed():
    transfer, agreed, _ = _claim(stage=Stage.AGREED, reliability=Reliability.B)
    agreed.date, agreed.date_precision = datetime.date(2015, 1, 1), DatePrecision.YEAR
    services.status_history_change(transfer, save=[agreed])
    cancelled = StatusEventFactory(
        transfer=transfer,
        stage=Stage.CANCELLED,
        date=datetime.date(2016, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    transfer = _fresh(transfer)
    # The cancellation is uncited: its claim cannot be judged; the deal was agreed.
    assert (transfer.stage, transfer.credibility) == (Stage.CANCELLED, 6)
    assert transfer.reached_agreement is True
    cancelled.delete()
    assert _fresh(transfer).credibility == Credibility.PROBABLY_TRUE
    requested, _, _ = _claim(stage=Stage.REQUESTED)
    assert _fresh(requested).reached_agreement is False


@pytest.mark.django_db
def test_first_reported_is_the_earliest_report_relays_included():
    transfer, event, citation = _claim(
        publication_date=datetime.date(2025, 1, 6), publication_date_precision=DatePrecision.DAY
    )
    assert (_fresh(event).first_reported, event.first_reported_precision) == (
        datetime.date(2025, 1, 6),
        DatePrecision.DAY,
    )
    earlier = SourceFactory(
        publication_date=datetime.date(2023, 11, 1), publication_date_precision="month"
    )
    services.citation_set_relays(citation, [earlier])
    assert _fresh(event).first_reported_display == "2023-11"


@pytest.mark.django_db
def test_refresh_all_repairs_what_a_raw_load_left():
    transfer, event, _ = _claim(reliability=Reliability.B)
    StatusEvent.objects.filter(pk=event.pk).update(computed_credibility=6, independent_sources=0)
    Transfer.objects.filter(pk=transfer.pk).update(credibility=6, reached_agreement=False)
    assert evidence.refresh_all() == 2
    assert (_fresh(transfer).credibility, transfer.reached_agreement) == (2, True)
    assert evidence.refresh_all() == 0


@pytest.mark.django_db
def test_a_relay_cannot_be_the_citations_own_document_or_listed_twice():
    _, _, citation = _claim()
    other = SourceFactory()
    with pytest.raises(ValidationError) as caught:
        services.citation_set_relays(citation, [citation.source])
    assert "own document" in caught.value.message_dict["relays"][0]
    with pytest.raises(ValidationError) as caught:
        services.citation_set_relays(citation, [other, other])
    assert "listed twice" in caught.value.message_dict["relays"][0]
    assert not citation.relays.exists()


# --- the migration from statuses -----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_maps_each_old_status_to_its_stage_and_back():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from transfers.choices import STAGE_OF_OLD_STATUS

    # Actors as they were then too (their parents became relations later).
    before = [
        ("transfers", "0012_status_becomes_stage"),
        ("actors", "0006_history_deletions_index"),
    ]
    after = [
        ("transfers", "0013_stage_credibility_attribution"),
        ("actors", "0006_history_deletions_index"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    actor, system = old.get_model("actors", "Actor"), old.get_model("transfers", "System")
    russia = actor.objects.create(name="Russia", slug="russia", kind="state", country="RU")
    iran = actor.objects.create(name="Iran", slug="iran", kind="state", country="IR")
    s300 = system.objects.create(designation="S-300", slug="s-300", category="air_defence")
    transfers = old.get_model("transfers", "Transfer")
    events = old.get_model("transfers", "StatusEvent")
    for status in STAGE_OF_OLD_STATUS:
        transfer = transfers.objects.create(
            slug=status, supplier=russia, recipient=iran, system=s300, stage=status
        )
        events.objects.create(transfer=transfer, stage=status)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    stages = dict(new.get_model("transfers", "Transfer").objects.values_list("slug", "stage"))
    assert stages == STAGE_OF_OLD_STATUS
    event_stages = new.get_model("transfers", "StatusEvent").objects.values_list(
        "transfer__slug", "stage"
    )
    assert dict(event_stages) == STAGE_OF_OLD_STATUS

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back = executor.loader.project_state(before).apps.get_model("transfers", "Transfer")
    assert all(slug == stage for slug, stage in back.objects.values_list("slug", "stage"))
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
