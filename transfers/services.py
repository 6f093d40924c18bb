"""Writes that span more than one model: a transfer with its intermediaries
and first status event, and changes to the status history.

Each function validates with the models' own rules (`full_clean()`), raises
Django's ValidationError keyed by field, and runs in one transaction. The
API (its serializers) and the admin (`save_model` / `save_related`) both
write through here, so the rules that span models are written once, here:
an intermediary is neither party nor listed twice (`validate_intermediaries`),
and a transfer keeps at least one status event (`keeps_a_status_event`).
The admin's forms call the same two functions to show a refusal as a form
error before anything is written.
"""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from actors.models import Actor

from . import search_index
from .choices import Stage
from .models import Citation, CitationRelay, StatusEvent, Transfer, TransferIntermediary


class Stop(NamedTuple):
    """One intermediary of a transfer: the actor and what it did (an
    IntermediaryRole, "" when the evidence does not say)."""

    actor: Actor
    role: str = ""


def as_stops(intermediaries) -> list[Stop]:
    """`intermediaries` (actors, or Stops / (actor, role) pairs) as Stops."""
    return [Stop(*item) if isinstance(item, tuple) else Stop(item) for item in intermediaries]


def refuse_in_list(field: str, records, *, forbidden: set, why: str) -> None:
    """Refuse an ordered list of records (a transfer's stops, a citation's
    relays) if one of them is `forbidden` (by id) or listed twice: a
    ValidationError keyed by `field`, one message a record."""
    errors = []
    seen = set()
    for record in records:
        if record.pk in forbidden:
            errors.append(f"{record} {why}.")
        if record.pk in seen:
            errors.append(f"{record} is listed twice.")
        seen.add(record.pk)
    if errors:
        raise ValidationError({field: errors})


def validate_intermediaries(transfer: Transfer, intermediaries) -> None:
    """Refuse `intermediaries` (actors or Stops) as the transfer's stops if
    one is its supplier or recipient, or is listed twice."""
    refuse_in_list(
        "intermediaries",
        [actor for actor, _role in as_stops(intermediaries)],
        forbidden={transfer.supplier_id, transfer.recipient_id},
        why="is the supplier or recipient, so it cannot also be an intermediary",
    )


@transaction.atomic
def transfer_set_intermediaries(transfer: Transfer, intermediaries) -> None:
    """Make `intermediaries` (actors, or Stops with a role), in this order,
    the transfer's intermediaries."""
    stops = as_stops(intermediaries)
    validate_intermediaries(transfer, stops)
    with search_index.batched():
        transfer.intermediary_links.all().delete()
        links = [
            TransferIntermediary(transfer=transfer, actor=actor, role=role, position=position)
            for position, (actor, role) in enumerate(stops, start=1)
        ]
        for link in links:
            link.full_clean(exclude=["transfer"], validate_unique=False, validate_constraints=False)
        # Plain bulk_create would write no history rows, and sends no signals:
        # the search document is refreshed here.
        bulk_create_with_history(links, TransferIntermediary)
        search_index.refresh_transfer_ids([transfer.pk])


@transaction.atomic
def transfer_save(transfer: Transfer, *, intermediaries=None) -> Transfer:
    """Validate and write `transfer`, new or changed, and, if given, make
    `intermediaries` (actors or Stops) its stops in this order. Without them an existing
    transfer keeps its stops, which must not be its new supplier or recipient.
    """
    transfer.full_clean()
    if intermediaries is None:
        # A new supplier or recipient must not be one of the current stops.
        stops = (
            [link.actor for link in transfer.intermediary_links.select_related("actor")]
            if transfer.pk is not None
            else []
        )
        validate_intermediaries(transfer, stops)
        transfer.save()
    else:
        intermediaries = list(intermediaries)
        validate_intermediaries(transfer, intermediaries)
        with search_index.batched():
            transfer.save()
            transfer_set_intermediaries(transfer, intermediaries)
    return transfer


@transaction.atomic
def transfer_create(*, intermediaries=(), initial_stage=None, **fields) -> Transfer:
    """A new transfer, its intermediaries and its first status event.

    The status is derived from the status history, so a transfer is never
    without one: `initial_stage` (a dict of status, date, date_precision,
    note) becomes the first event, by default an undated "under_discussion".
    """
    transfer = transfer_save(Transfer(**fields), intermediaries=intermediaries)
    event = StatusEvent(transfer=transfer, **(initial_stage or {"stage": Stage.UNDER_DISCUSSION}))
    try:
        event.full_clean()
    except ValidationError as exc:
        raise ValidationError({"initial_stage": exc.messages}) from None
    event.save()
    return transfer


@transaction.atomic
def transfer_update(transfer: Transfer, *, intermediaries=None, **fields) -> Transfer:
    """Change a transfer's own fields and, if given, its intermediaries.

    The status is not a field: change it by adding a status event.
    """
    for name, value in fields.items():
        setattr(transfer, name, value)
    return transfer_save(transfer, intermediaries=intermediaries)


# The admin's word for a status history left empty (the API's, for deleting
# the last event, is in status_event_delete).
NEEDS_A_STATUS_EVENT = (
    "A transfer needs at least one status event: its current status is the latest one."
)


def keeps_a_status_event(transfer_id, *, deleting=(), adding: int = 0) -> bool:
    """Whether the transfer still has a status event once the events with
    ids in `deleting` are gone and `adding` new ones are written: a
    transfer's status is its latest event, so it keeps at least one."""
    stored = (
        StatusEvent.objects.filter(transfer_id=transfer_id).exclude(pk__in=list(deleting)).count()
        if transfer_id is not None
        else 0
    )
    return stored + adding > 0


@transaction.atomic
def status_event_create(*, transfer: Transfer, **fields) -> StatusEvent:
    """Add an event to a transfer's history; its status follows the latest event."""
    event = StatusEvent(transfer=transfer, **fields)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def status_event_update(event: StatusEvent, **fields) -> StatusEvent:
    transfer = fields.pop("transfer", event.transfer)
    if transfer.pk != event.transfer_id:
        raise ValidationError(
            {"transfer": "An event cannot move to another transfer; delete it and add a new one."}
        )
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    return event


@transaction.atomic
def status_event_delete(event: StatusEvent) -> None:
    """Remove an event; the transfer's status falls back to the one before.

    The last event cannot go: a transfer's status is its latest event.
    Checked under the transfer's lock, so two deletions at once cannot
    remove the last two events.
    """
    event.lock_transfer()
    if not keeps_a_status_event(event.transfer_id, deleting=[event.pk]):
        raise ValidationError(
            "This is the transfer's only status event; add the right one before deleting it."
        )
    event.delete()


@transaction.atomic
def status_history_change(transfer: Transfer, *, save=(), delete=()) -> None:
    """Change a transfer's status history in one write, as the admin's
    status-history rows do: `save` new or changed events, `delete` others.

    Refused if the transfer would be left without an event, checked under
    the transfer's lock (see status_event_delete).
    """
    save, delete = list(save), list(delete)
    Transfer.objects.lock(transfer.pk)
    added = sum(1 for event in save if event.pk is None)
    if not keeps_a_status_event(transfer.pk, deleting=[e.pk for e in delete], adding=added):
        raise ValidationError(NEEDS_A_STATUS_EVENT)
    for event in delete:
        event.delete()
    for event in save:
        event.transfer = transfer
        event.full_clean()
        event.save()


def validate_relays(citation: Citation, sources) -> None:
    """Refuse `sources` as the reports `citation` relays if one is its own
    document, or is listed twice."""
    refuse_in_list(
        "relays",
        sources,
        forbidden={citation.source_id},
        why="is the citation's own document, not an earlier report",
    )


@transaction.atomic
def citation_save(citation: Citation, *, relays=None) -> Citation:
    """Validate and write `citation` and, if given, make `relays` (sources,
    from the original report on) the reports it passes on, in this order.
    Its claim's evidence is recomputed (transfers.evidence, by signals)."""
    citation.full_clean()
    if relays is not None:
        relays = list(relays)
        validate_relays(citation, relays)
    elif citation.pk is not None:
        validate_relays(citation, [relay.source for relay in citation.relays.all()])
    citation.save()
    if relays is not None:
        citation_set_relays(citation, relays)
    return citation


@transaction.atomic
def citation_set_relays(citation: Citation, sources) -> None:
    """Make `sources`, in this order, the reports `citation` relays."""
    sources = list(sources)
    validate_relays(citation, sources)
    citation.relays.all().delete()
    relays = [
        CitationRelay(citation=citation, source=source, position=position)
        for position, source in enumerate(sources, start=1)
    ]
    for relay in relays:
        relay.save()
