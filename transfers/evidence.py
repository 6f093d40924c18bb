"""How sure we can be of a claim: the credibility rule, and keeping what it
derives true to the evidence.

A claim is a status event (that a transfer reached a stage). Its evidence is
its citations. Each citation has a **root**: the original report behind it,
which is its first relayed report if it relays any (CNAS relaying the Wall
Street Journal is rooted at the Journal), else its own document; and a
syndicated copy or excerpt counts as the work it copies (`Source.copy_of`).
Two citations are independent only if their roots differ.

The rule (`credibility`), on the Admiralty scale's second axis, over the
distinct roots of the claim's plain supports (S), hedged supports (H, the
roots not already in S) and contradictions (C):

1. nothing cites the claim → 6, cannot be judged;
2. only contradictions → 5, improbable;
3. supports and contradictions → 3, possibly true, if the supporting roots
   outnumber the contradicting ones, else 4, doubtful;
4. two or more plain supporting roots, at least two of them from sources
   graded A–C (reliable to fairly reliable) → 1, confirmed;
5. two or more plain supporting roots (graded lower), or one graded A or B
   → 2, probably true;
6. one plain supporting root → 3, possibly true;
7. hedged support only → 3 with two or more independent roots, else 4.

A hedge ("may have", "reportedly", "officials never confirmed", "neither
confirmed nor denied") never raises a claim that has plain support: it is
weaker than the plain report, and often no support at all.

A root's grade is its original document's reliability. An editor may
override the result, with a reason (`StatusEvent.credibility_override`);
the transfer shows the credibility of its current stage's event.

`refresh(transfer_ids)` recomputes every derived field of those transfers
and of their events: computed credibility, independent sources, the date
first reported, and on the transfer its credibility, independent sources and
whether it reached agreement. Signals (`connect`) call it after each write
to a citation, a relay or a source; StatusEvent.save and delete call it
too. Derived values are written with `bulk_update`, which writes no history
(they are no editor's change) and leaves `updated` alone, so that a
record's newest history version stays the stored row; a client syncing by
`updated` follows the evidence through `citations/` and `status-events/`,
as it did before (an event's `computed_credibility` is on its record).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import islice

from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_save

from common.dates import DatePrecision
from sources.models import Source

from .choices import AGREED_OR_LATER, Credibility, Stance
from .models import (
    CHRONOLOGICAL_ORDER,
    Citation,
    CitationRelay,
    StatusEvent,
    Transfer,
    deletion_started_from_transfers,
)

RELIABLE = frozenset("ABC")
HIGHLY_RELIABLE = frozenset("AB")
BATCH = 2000


@dataclass(frozen=True)
class Evidence:
    """One citation as the rule sees it: its root, the root's grade, its stance."""

    root: int
    grade: str
    stance: str


def credibility(evidence) -> Credibility:
    """The credibility the rule (see the module) gives a claim's evidence."""
    evidence = list(evidence)
    grade = {item.root: item.grade for item in evidence}
    plain = {item.root for item in evidence if item.stance == Stance.SUPPORTS}
    hedged = {item.root for item in evidence if item.stance == Stance.SUPPORTS_HEDGED} - plain
    against = {item.root for item in evidence if item.stance == Stance.CONTRADICTS}
    supporting = plain | hedged
    if not supporting:
        return Credibility.IMPROBABLE if against else Credibility.CANNOT_BE_JUDGED
    if against:
        if len(supporting) > len(against):
            return Credibility.POSSIBLY_TRUE
        return Credibility.DOUBTFUL
    if plain:
        if len(plain) >= 2 and sum(grade[root] in RELIABLE for root in plain) >= 2:
            return Credibility.CONFIRMED
        if len(plain) >= 2 or any(grade[root] in HIGHLY_RELIABLE for root in plain):
            return Credibility.PROBABLY_TRUE
        return Credibility.POSSIBLY_TRUE
    return Credibility.POSSIBLY_TRUE if len(hedged) >= 2 else Credibility.DOUBTFUL


def independent_roots(evidence) -> int:
    """How many independent roots support the claim (plain or hedged)."""
    return len({item.root for item in evidence if item.stance != Stance.CONTRADICTS})


# --- keeping the derived fields true -----------------------------------------------


# Finer precision first among equal dates: "21 January 2015" is a more exact
# first report than "2015" stored as 1 January.
PRECISION_RANK = {DatePrecision.DAY: 0, DatePrecision.MONTH: 1, DatePrecision.YEAR: 2, "": 3}


def _batches(ids, size=BATCH):
    iterator = iter(sorted(ids))
    while chunk := list(islice(iterator, size)):
        yield chunk


def _original(row, prefix):
    """The original work of a source read with `prefix` (its copy_of's, or its own)."""
    if row[f"{prefix}copy_of_id"] is not None:
        return (
            row[f"{prefix}copy_of_id"],
            row[f"{prefix}copy_of__reliability"],
        )
    return row[f"{prefix}id"], row[f"{prefix}reliability"]


SOURCE_COLUMNS = (
    "id",
    "reliability",
    "copy_of_id",
    "copy_of__reliability",
    "publication_date",
    "publication_date_precision",
)


def _source_columns(relation):
    return [f"{relation}__{name}" for name in SOURCE_COLUMNS]


def _evidence_by_event(transfer_ids, using):
    """For each event of these transfers: its evidence and its dated reports."""
    citations = list(
        Citation.objects.using(using)
        .order_by()
        .filter(transfer_id__in=transfer_ids, status_event__isnull=False)
        .values("id", "status_event_id", "stance", *_source_columns("source"))
    )
    first_relay = {}
    dates = defaultdict(list)
    relays = (
        CitationRelay.objects.using(using)
        .order_by("citation_id", "position")
        .filter(citation__transfer_id__in=transfer_ids)
        .values("citation_id", *_source_columns("source"))
    )
    for relay in relays:
        first_relay.setdefault(relay["citation_id"], relay)
        dates[relay["citation_id"]].append(relay)
    evidence = defaultdict(list)
    reports = defaultdict(list)
    for citation in citations:
        relay = first_relay.get(citation["id"])
        root, grade = _original(relay, "source__") if relay else _original(citation, "source__")
        event = citation["status_event_id"]
        evidence[event].append(Evidence(root, grade, citation["stance"]))
        for row in (citation, *dates[citation["id"]]):
            reports[event].append(
                (row["source__publication_date"], row["source__publication_date_precision"])
            )
    return evidence, reports


def first_reported(reports):
    """The earliest of (date, precision) pairs, undated ones left out; finer
    precision first among equal dates. (None, "") if none is dated."""
    dated = [report for report in reports if report[0] is not None]
    if not dated:
        return None, ""
    return min(dated, key=lambda report: (report[0], PRECISION_RANK.get(report[1], 3)))


EVENT_DERIVED = [
    "computed_credibility",
    "independent_sources",
    "first_reported",
    "first_reported_precision",
]
TRANSFER_DERIVED = ["reached_agreement", "credibility", "independent_sources"]


def refresh(transfer_ids, *, using="default") -> int:
    """Recompute the derived evidence of these transfers and their events;
    returns how many rows changed."""
    ids = {pk for pk in transfer_ids if pk is not None}
    changed = 0
    for chunk in _batches(ids):
        changed += _refresh_chunk(chunk, using)
    return changed


def _refresh_chunk(transfer_ids, using):
    evidence, reports = _evidence_by_event(transfer_ids, using)
    events = (
        StatusEvent.objects.using(using)
        .filter(transfer_id__in=transfer_ids)
        .order_by("transfer_id", *CHRONOLOGICAL_ORDER)
        .only("id", "transfer_id", "stage", "credibility_override", *EVENT_DERIVED)
    )
    events_changed = []
    latest = {}
    reached = set()
    for event in events:
        found = evidence.get(event.pk, [])
        first, precision = first_reported(reports.get(event.pk, []))
        derived = (credibility(found), independent_roots(found), first, precision)
        if derived != tuple(getattr(event, name) for name in EVENT_DERIVED):
            for name, value in zip(EVENT_DERIVED, derived, strict=True):
                setattr(event, name, value)
            events_changed.append(event)
        latest[event.transfer_id] = event
        if event.stage in AGREED_OR_LATER:
            reached.add(event.transfer_id)
    StatusEvent.objects.using(using).bulk_update(events_changed, EVENT_DERIVED, batch_size=500)
    transfers_changed = []
    stored = Transfer._base_manager.using(using).filter(pk__in=transfer_ids).only(*TRANSFER_DERIVED)
    for transfer in stored:
        event = latest.get(transfer.pk)
        derived = (
            transfer.pk in reached,
            event.credibility if event else Credibility.CANNOT_BE_JUDGED,
            event.independent_sources if event else 0,
        )
        if derived != tuple(getattr(transfer, name) for name in TRANSFER_DERIVED):
            for name, value in zip(TRANSFER_DERIVED, derived, strict=True):
                setattr(transfer, name, value)
            transfers_changed.append(transfer)
    Transfer._base_manager.using(using).bulk_update(
        transfers_changed, TRANSFER_DERIVED, batch_size=500
    )
    return len(events_changed) + len(transfers_changed)


def refresh_all(*, using="default", progress=None) -> int:
    """Recompute every transfer's evidence (after a fixture load or a bulk import)."""
    ids = list(Transfer._base_manager.using(using).order_by("pk").values_list("pk", flat=True))
    changed = 0
    for done, chunk in enumerate(_batches(ids), start=1):
        changed += _refresh_chunk(chunk, using)
        if progress:
            progress(min(done * BATCH, len(ids)), len(ids))
    return changed


def transfers_citing(source_ids, *, using="default"):
    """The transfers whose evidence a change to these sources can alter: those
    citing them, or relaying them, or a copy of them."""
    source_ids = list(source_ids)
    affected = Q(source_id__in=source_ids) | Q(source__copy_of_id__in=source_ids)
    cited = Citation.objects.using(using).order_by().filter(affected).values("transfer_id")
    relayed = (
        CitationRelay.objects.using(using)
        .order_by()
        .filter(affected)
        .values("citation__transfer_id")
    )
    return set(cited.values_list("transfer_id", flat=True)) | set(
        relayed.values_list("citation__transfer_id", flat=True)
    )


# --- signals -------------------------------------------------------------------------


def _citation_before(sender, instance, raw, using, **kwargs):
    instance._evidence_transfer_before = (
        Citation._base_manager.using(using)
        .filter(pk=instance.pk)
        .values_list("transfer_id", flat=True)
        .first()
        if instance.pk is not None
        else None
    )


def _citation_written(sender, instance, using, raw=False, **kwargs):
    if raw:
        return  # a fixture load: load_seed recomputes everything at the end
    refresh(
        [instance.transfer_id, getattr(instance, "_evidence_transfer_before", None)], using=using
    )


def _citation_deleted(sender, instance, using, origin=None, **kwargs):
    if not deletion_started_from_transfers(origin):
        refresh([instance.transfer_id], using=using)


def _relay_written(sender, instance, using, raw=False, origin=None, **kwargs):
    if raw or deletion_started_from_transfers(origin) or isinstance(origin, Citation):
        return
    transfer_id = (
        Citation._base_manager.using(using)
        .filter(pk=instance.citation_id)
        .values_list("transfer_id", flat=True)
        .first()
    )
    refresh([transfer_id], using=using)


SOURCE_WATCHED = ("reliability", "copy_of_id", "publication_date", "publication_date_precision")


def _source_before(sender, instance, raw, using, **kwargs):
    instance._evidence_before = (
        Source._base_manager.using(using).filter(pk=instance.pk).values(*SOURCE_WATCHED).first()
        if instance.pk is not None
        else None
    )


def _source_saved(sender, instance, created, raw, using, **kwargs):
    before = getattr(instance, "_evidence_before", None)
    if raw or before is None:
        return  # new: nothing cites it yet
    if any(before[name] != getattr(instance, name) for name in SOURCE_WATCHED):
        refresh(transfers_citing([instance.pk, before["copy_of_id"]]), using=using)


def connect():
    """Wire the signals (from TransfersConfig.ready)."""
    uid = "transfers.evidence"
    pre_save.connect(_citation_before, sender=Citation, dispatch_uid=f"{uid}.citation<")
    post_save.connect(_citation_written, sender=Citation, dispatch_uid=f"{uid}.citation")
    post_delete.connect(_citation_deleted, sender=Citation, dispatch_uid=f"{uid}.citation-")
    post_save.connect(_relay_written, sender=CitationRelay, dispatch_uid=f"{uid}.relay")
    post_delete.connect(_relay_written, sender=CitationRelay, dispatch_uid=f"{uid}.relay-")
    pre_save.connect(_source_before, sender=Source, dispatch_uid=f"{uid}.source<")
    post_save.connect(_source_saved, sender=Source, dispatch_uid=f"{uid}.source")
