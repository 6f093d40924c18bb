"""The assistant's writes: reading a stored text into candidates, and the
review (accept, correct then accept, reject). Accepting goes through the
transfers app's services, so a candidate's records obey every rule an
editor's do."""

import dataclasses

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actors.models import Actor
from sources.models import SourceText
from transfers import services as transfer_services
from transfers.choices import TransferType
from transfers.models import Citation, StatusEvent, System, Transfer

from .extraction import Assistant, KnownName
from .models import Candidate, CandidateState, Reading


def known_names() -> list[KnownName]:
    """Every actor and system the database knows, with its aliases."""
    names = [
        KnownName(
            kind="actor",
            key=actor.slug,
            names=(actor.name, *actor.aliases),
            country=actor.country.code or "",
            actor_kind=actor.kind,
        )
        for actor in Actor.objects.order_by("id")
    ]
    names += [
        KnownName(
            kind="system",
            key=system.slug,
            names=tuple(
                name
                for name in (system.designation, system.nato_reporting_name, *system.aliases)
                if name
            ),
        )
        for system in System.objects.order_by("id")
    ]
    return names


@transaction.atomic
def read_document(document: SourceText) -> tuple[Reading, int]:
    """Read a stored text and store what the assistant proposes: (the
    reading, how many candidates are new). Reading the same version again
    adds only candidates it did not propose before (none, for the same text
    and the same known names): a candidate is never proposed twice."""
    known = known_names()
    extraction = Assistant(known).read(document.text, published=document.source.publication_date)
    reading, _created = Reading.objects.get_or_create(document=document)
    reading.mentions = [dataclasses.asdict(mention) for mention in extraction.mentions]
    reading.save(update_fields=["mentions"])
    proposed = set(reading.candidates.values_list("key", flat=True))
    slugs = {name.key for name in known}
    actors = dict(Actor.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    systems = dict(System.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    new = 0
    for claim in extraction.claims:
        if claim.key in proposed:
            continue
        proposed.add(claim.key)
        candidate = Candidate(
            reading=reading,
            key=claim.key,
            start=claim.start,
            end=claim.end,
            quote=claim.quote,
            supplier_id=actors.get(claim.supplier),
            recipient_id=actors.get(claim.recipient),
            system_id=systems.get(claim.system),
            proposed_names=_proposed_names(claim),
            stage=claim.stage,
            transfer_type=getattr(claim, "transfer_type", "") or TransferType.SALE,
            stance=claim.stance,
            hedges=list(claim.hedges),
            attributed_to=claim.attributed_to[:300],
            attributed_to_actor_id=actors.get(claim.attributed_to_key),
            date=claim.date,
            date_precision=claim.date_precision,
            date_is_inferred=claim.date_is_inferred,
            date_text=claim.date_text[:200],
        )
        candidate.full_clean()
        candidate.save()
        candidate.intermediaries.set([actors[key] for key in claim.intermediaries if key in actors])
        new += 1
    return reading, new


def _proposed_names(claim) -> dict:
    """The names the claim needs that the database does not know, by role:
    offered to the editor as new actors or systems."""
    names = {
        "supplier": getattr(claim, "new_supplier", ""),
        "recipient": getattr(claim, "new_recipient", ""),
        "system": claim.new_system,
        "actors": list(claim.new_actors),
    }
    return {role: name for role, name in names.items() if name}


def _refuse_unless_pending(candidate: Candidate) -> None:
    if candidate.state != CandidateState.PENDING:
        raise ValidationError(
            {"state": f"This candidate was {candidate.get_state_display().lower()} already."}
        )


def matching_transfer(candidate: Candidate) -> Transfer | None:
    """The transfer the candidate is evidence for, if the database has it:
    same supplier, recipient and system (the oldest, if there are several)."""
    return (
        Transfer.objects.filter(
            supplier_id=candidate.supplier_id,
            recipient_id=candidate.recipient_id,
            system_id=candidate.system_id,
        )
        .order_by("id")
        .first()
    )


def _event_for(candidate: Candidate, transfer: Transfer) -> StatusEvent:
    """The status event the passage supports: the transfer's event at the
    candidate's stage (and date, when both have one), or a new one."""
    events = StatusEvent.objects.filter(transfer=transfer, stage=candidate.stage).order_by("id")
    if candidate.date is not None:
        dated = events.filter(date=candidate.date)
        events = dated if dated.exists() else events.filter(date__isnull=True)
    event = events.first()
    if event is not None:
        return event
    return transfer_services.status_event_create(
        transfer=transfer,
        stage=candidate.stage,
        date=candidate.date,
        date_precision=candidate.date_precision,
        date_is_inferred=candidate.date_is_inferred,
    )


@transaction.atomic
def candidate_accept(candidate: Candidate, *, user, note: str = "") -> Citation:
    """Write what the candidate says, in one transaction: the transfer (or,
    when the database already has supplier → recipient of that system, the
    existing one: evidence added, not a twin), the status event at its stage,
    and the citation of the passage with its stance and attribution. The
    candidate's corrected fields are what is written. Returns the citation."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    _refuse_unless_pending(candidate)
    missing = {
        field: f"Choose the {field} (the assistant did not find it)."
        for field in ("supplier", "recipient", "system")
        if getattr(candidate, f"{field}_id") is None
    }
    if missing:
        raise ValidationError(missing)
    transfer = matching_transfer(candidate)
    if transfer is None:
        transfer = transfer_services.transfer_create(
            supplier=candidate.supplier,
            recipient=candidate.recipient,
            system=candidate.system,
            transfer_type=candidate.transfer_type,
            intermediaries=list(candidate.intermediaries.order_by("id")),
            initial_stage={
                "stage": candidate.stage,
                "date": candidate.date,
                "date_precision": candidate.date_precision,
                "date_is_inferred": candidate.date_is_inferred,
            },
        )
    event = _event_for(candidate, transfer)
    document = candidate.reading.document
    current = document.source.current_text
    citation = Citation(
        source=document.source,
        transfer=transfer,
        status_event=event,
        quote=candidate.quote,
        stance=candidate.stance,
        attributed_to=candidate.attributed_to,
        attributed_to_actor=candidate.attributed_to_actor,
        note="Proposed by the reading assistant; accepted by an editor.",
    )
    if current is not None and current.pk == document.pk:
        citation.start, citation.end = candidate.start, candidate.end
    # else the text was corrected since it was read: the quote is looked for
    # in the current version (and refused if it is no longer there).
    citation._history_user = user
    citation = transfer_services.citation_save(citation)
    candidate.state = CandidateState.ACCEPTED
    candidate.transfer, candidate.citation = transfer, citation
    candidate.reviewed_by, candidate.reviewed_at = user, timezone.now()
    candidate.review_note = note or candidate.review_note
    candidate.save()
    return citation


@transaction.atomic
def candidate_reject(candidate: Candidate, *, user, note: str = "") -> Candidate:
    """Reject the candidate: it writes nothing and is not shown again."""
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    _refuse_unless_pending(candidate)
    candidate.state = CandidateState.REJECTED
    candidate.reviewed_by, candidate.reviewed_at = user, timezone.now()
    candidate.review_note = note or candidate.review_note
    candidate.save()
    return candidate


def candidates_repoint_actor(keep: Actor, duplicate: Actor) -> None:
    """A merge's part for candidates: whatever they propose of the duplicate
    actor, they propose of the one kept (editorial.services.actor_merge)."""
    for field in ("supplier", "recipient", "attributed_to_actor"):
        Candidate.objects.filter(**{field: duplicate}).update(**{field: keep})
    through = Candidate.intermediaries.through
    for link in through.objects.filter(actor=duplicate):
        if through.objects.filter(candidate_id=link.candidate_id, actor=keep).exists():
            link.delete()
        else:
            through.objects.filter(pk=link.pk).update(actor=keep)


def candidates_repoint_system(keep: System, duplicate: System) -> None:
    """A merge's part for candidates, for systems (editorial.services.system_merge)."""
    Candidate.objects.filter(system=duplicate).update(system=keep)
