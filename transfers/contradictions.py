"""Contradictions: writing them, and finding the ones the evidence shows.

A `Contradiction` is a record with a state: open, or resolved with its
resolution, who resolved it and when. Both the API (its serializer) and the
admin (`save_model`, and its form's `clean()` for a form error) write them
through `contradiction_save`, which keeps the rules that span rows:

- its citations and status events are its transfer's own;
- one of kind "stance" names at least one citation or status event;
- resolving sets `resolved_at` (now) and `resolved_by` (the editor), and so
  does changing the resolution of a resolved one; reopening clears the
  resolution, `resolved_by` and `resolved_at` (the history keeps them).

**Detection.** A status event with at least one citation that supports it
(any stance but "contradicts", hedged support included) and at least one
that contradicts it has one open contradiction of kind "stance",
`detected=True`, linking the event and all its citations. One per event:
the detector finds its record by the event and updates it rather than
adding another. When the conflict goes (a citation deleted, moved to
another event, or its stance changed), an open detected record is closed:
resolved, with the resolution "No longer holds: …", `resolved_by` empty
(no one resolved it) and `resolved_at` now. It is kept rather than deleted,
so that what was contested, and when it stopped being, stays on record (and
the API's list shows it with `state=resolved`). If the conflict comes back,
a record closed that way opens again; one an editor resolved stays resolved
(their resolution stands) and only takes the new citations in its links.
When the status event itself is deleted, its detected records are deleted
with it: they were about a claim no longer in the database (the history
keeps them). A transfer's deletion takes its contradictions with it
(CASCADE); restoring the transfer restores its citations, and the
detection finds their conflicts again (as new open records). Ones entered
by hand are not restored: the history keeps their versions, but not their
links (simple-history here records no many-to-many rows).

What triggers it: signals on Citation (save and delete) and StatusEvent
(delete), so every path that writes a citation (the API, the admin's pages
and inlines, restores, services) is covered, as transfers.search_index
does for the search documents. Writes that save many citations may wrap
them in `batched()` to check each event once, at the end. Raw saves
(fixture loads) are skipped: `load_seed` calls `detect_all()` once the
fixture is in, so that a fixture holding its own contradictions is not
doubled.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone

from common.history import save_with_reason

from .choices import ContradictionKind, ContradictionState, Stance
from .models import Citation, Contradiction, StatusEvent, deletion_started_from_transfers

NO_LONGER_HOLDS = "No longer holds:"
DETECTED_REASON = "Citations for and against one status event (detected)"


# --- writing -----------------------------------------------------------------------


def validate_links(transfer_id, kind, citations, status_events) -> None:
    """Refuse citations or status events of another transfer, and a
    contradiction of kind "stance" that names neither."""
    errors = {}
    foreign = [c for c in citations if c.transfer_id != transfer_id]
    if foreign:
        errors["citations"] = [
            f"Citation #{c.pk} is about another transfer (#{c.transfer_id})." for c in foreign
        ]
    foreign = [e for e in status_events if e.transfer_id != transfer_id]
    if foreign:
        errors["status_events"] = [
            f"Status event #{e.pk} belongs to another transfer (#{e.transfer_id})." for e in foreign
        ]
    if kind == ContradictionKind.STANCE and not citations and not status_events:
        errors["citations"] = [
            "A contradiction of kind stance names the citations or status events in conflict."
        ]
    if errors:
        raise ValidationError(errors)


def _follow_state(contradiction: Contradiction, stored: Contradiction | None, user) -> None:
    """Set who resolved it and when, from the state and resolution as changed."""
    was_resolved = stored is not None and stored.state == ContradictionState.RESOLVED
    if contradiction.state == ContradictionState.RESOLVED:
        if not was_resolved or contradiction.resolution != stored.resolution:
            contradiction.resolved_at = timezone.now()
            contradiction.resolved_by = user if user is not None and user.is_authenticated else None
        else:
            contradiction.resolved_at, contradiction.resolved_by_id = (
                stored.resolved_at,
                stored.resolved_by_id,
            )
    else:
        if was_resolved and contradiction.resolution == stored.resolution:
            # Reopened: the old resolution goes (the history keeps it).
            contradiction.resolution = ""
        contradiction.resolved_at, contradiction.resolved_by = None, None


@transaction.atomic
def contradiction_save(
    contradiction: Contradiction, *, citations=None, status_events=None, user=None
) -> Contradiction:
    """Validate and write `contradiction`, new or changed, and, if given, make
    `citations` and `status_events` its links (else it keeps its own)."""
    stored = (
        Contradiction.objects.select_for_update().filter(pk=contradiction.pk).first()
        if contradiction.pk is not None
        else None
    )
    if stored is not None:
        contradiction.detected = stored.detected
        if stored.detected:
            _keep_detected(contradiction, stored, citations, status_events)
    _follow_state(contradiction, stored, user)
    contradiction.full_clean()
    if citations is None:
        citations = list(stored.citations.all()) if stored is not None else []
    if status_events is None:
        status_events = list(stored.status_events.all()) if stored is not None else []
    citations, status_events = list(citations), list(status_events)
    validate_links(contradiction.transfer_id, contradiction.kind, citations, status_events)
    contradiction.save()
    contradiction.citations.set(citations)
    contradiction.status_events.set(status_events)
    return contradiction


def _keep_detected(contradiction, stored, citations, status_events) -> None:
    """A detected contradiction's transfer, kind and links are the rule's:
    an editor resolves it (or reopens it), nothing more."""
    errors = {}
    if contradiction.transfer_id != stored.transfer_id:
        errors["transfer"] = ["A detected contradiction stays with its transfer."]
    if contradiction.kind != stored.kind:
        errors["kind"] = ["A detected contradiction stays of its kind."]
    for name, given in (("citations", citations), ("status_events", status_events)):
        if given is not None and {item.pk for item in given} != set(
            getattr(stored, name).values_list("pk", flat=True)
        ):
            errors[name] = [
                "The links of a detected contradiction follow its status event's citations."
            ]
    if errors:
        raise ValidationError(errors)


# --- detection ---------------------------------------------------------------------


def detected_for(event_id, *, using="default"):
    """The detected "stance" record of this status event, if any.

    One per event: two citations written at once on PostgreSQL could each
    add one (nothing locks an event while its citations are written, and
    a lock here would invert the order transfer, event, citation that
    deletions take). Should that happen, the first is kept and the others
    deleted, at the next check of the event.
    """
    records = list(
        Contradiction.objects.using(using)
        .filter(detected=True, kind=ContradictionKind.STANCE, status_events=event_id)
        .order_by("id")[:2]
    )
    if len(records) > 1:
        Contradiction.objects.using(using).filter(
            detected=True, kind=ContradictionKind.STANCE, status_events=event_id
        ).exclude(pk=records[0].pk).delete()
    return records[0] if records else None


def _describe(event, supporting: int, contradicting: int) -> str:
    def citations(n):
        return f"{n} citation{'s' if n != 1 else ''}"

    verb = "supports" if supporting == 1 else "support"
    other = "contradicts" if contradicting == 1 else "contradict"
    return (
        f"{citations(supporting)} {verb} the status event “{event}” and "
        f"{citations(contradicting)} {other} it."
    )


def refresh_event(event_id, *, using="default") -> Contradiction | None:
    """Make the detected record of status event `event_id` follow its
    citations (see the module's docstring); returns it, if there is one."""
    stances = list(
        Citation.objects.using(using)
        .filter(status_event_id=event_id)
        .order_by("id")
        .values_list("pk", "stance")
    )
    supporting = [pk for pk, stance in stances if stance != Stance.CONTRADICTS]
    contradicting = [pk for pk, stance in stances if stance == Stance.CONTRADICTS]
    record = detected_for(event_id, using=using)
    if supporting and contradicting:
        event = StatusEvent.objects.using(using).filter(pk=event_id).first()
        if event is None:
            return record
        description = _describe(event, len(supporting), len(contradicting))
        if record is None:
            record = Contradiction(
                transfer_id=event.transfer_id,
                kind=ContradictionKind.STANCE,
                detected=True,
                description=description,
            )
            save_with_reason(record, DETECTED_REASON)
            record.status_events.set([event])
            record.citations.set(supporting + contradicting)
            return record
        changed = record.description != description
        record.description = description
        if record.state == ContradictionState.RESOLVED and _resolved_itself(record):
            record.state, record.resolution = ContradictionState.OPEN, ""
            record.resolved_at = record.resolved_by = None
            changed = True
        if changed:
            save_with_reason(record, DETECTED_REASON)
        wanted = set(supporting + contradicting)
        if set(record.citations.values_list("pk", flat=True)) != wanted:
            record.citations.set(wanted)
        return record
    if record is not None and record.state == ContradictionState.OPEN:
        if not stances:
            gone = "no citations"
        else:
            gone = "no contradicting citation" if not contradicting else "no supporting citation"
        record.state = ContradictionState.RESOLVED
        record.resolution = f"{NO_LONGER_HOLDS} the status event has {gone} any more."
        record.resolved_at, record.resolved_by = timezone.now(), None
        save_with_reason(record, "The conflict no longer holds (detected)")
    return record


def _resolved_itself(record: Contradiction) -> bool:
    return record.resolved_by_id is None and record.resolution.startswith(NO_LONGER_HOLDS)


# Inside `batched()`: the status events to check when it ends, per database.
_pending: ContextVar[dict | None] = ContextVar("contradictions_pending", default=None)


@contextmanager
def batched():
    """Check each status event the block's writes touch once, at its end
    (nested blocks join the outermost)."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set({})
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    for using, event_ids in pending.items():
        refresh_events(event_ids, using=using)


def refresh_events(event_ids, *, using="default") -> None:
    """Check these status events (now, or at the end of `batched()`)."""
    ids = {pk for pk in event_ids if pk is not None}
    if not ids:
        return
    pending = _pending.get()
    if pending is not None:
        pending.setdefault(using, set()).update(ids)
        return
    for event_id in sorted(ids):
        refresh_event(event_id, using=using)


def detect_all(*, using="default") -> int:
    """Check every status event with citations on both sides, and every one
    with a detected record (after a fixture load); returns how many were checked."""
    contested = set(
        Citation.objects.using(using)
        .filter(stance=Stance.CONTRADICTS, status_event__isnull=False)
        .values_list("status_event_id", flat=True)
    )
    recorded = set(
        Contradiction.status_events.through.objects.using(using)
        .filter(contradiction__detected=True, contradiction__kind=ContradictionKind.STANCE)
        .values_list("statusevent_id", flat=True)
    )
    ids = contested | recorded
    with transaction.atomic(using=using):
        for event_id in sorted(ids):
            refresh_event(event_id, using=using)
    return len(ids)


# --- signals -----------------------------------------------------------------------


def _citation_saved(sender, instance, created, raw, using, **kwargs):
    if raw:
        return
    # The event it is on, and any whose detected record links it (it may
    # have moved from there).
    linked = Contradiction.status_events.through.objects.using(using).filter(
        contradiction__detected=True,
        contradiction__kind=ContradictionKind.STANCE,
        contradiction__citations=instance.pk,
    )
    refresh_events(
        {instance.status_event_id, *linked.values_list("statusevent_id", flat=True)}, using=using
    )


def _citation_deleted(sender, instance, using, origin=None, **kwargs):
    if not deletion_started_from_transfers(origin):
        refresh_events([instance.status_event_id], using=using)


def _event_deleting(sender, instance, using, origin=None, **kwargs):
    if deletion_started_from_transfers(origin):
        return
    Contradiction.objects.using(using).filter(
        detected=True, kind=ContradictionKind.STANCE, status_events=instance.pk
    ).delete()


def connect():
    """Wire the signals (from TransfersConfig.ready)."""
    uid = "transfers.contradictions"
    post_save.connect(_citation_saved, sender=Citation, dispatch_uid=f"{uid}.citation+")
    post_delete.connect(_citation_deleted, sender=Citation, dispatch_uid=f"{uid}.citation-")
    pre_delete.connect(_event_deleting, sender=StatusEvent, dispatch_uid=f"{uid}.event-")
