"""Merging duplicate records: an actor into an actor, a system into a
system. Each is one transaction that moves everything pointing at the
duplicate to the survivor, keeps the duplicate's names as aliases and leaves
a MergeRecord, so the duplicate's id and slug redirect (editorial.merge has
the steps both share)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from actors.models import Actor, ActorRelation
from assistant.services import candidates_repoint_actor, candidates_repoint_system
from common.history import save_with_reason
from transfers import search_index
from transfers.models import Citation, System, Transfer, TransferIntermediary

from .merge import absorb_names, check_mergeable, fill_blanks, lock_pair, retire


@transaction.atomic
def actor_merge(*, keep: Actor, duplicate: Actor, user=None) -> Actor:
    """Merge `duplicate` into `keep`: every transfer, intermediary link,
    relation (either side), system origin and citation attributed to it
    moves to `keep`, the
    duplicate's names become aliases, and its id and slug redirect to `keep`.

    A relation between the two is dropped (it would relate `keep` to
    itself), and so is one that, moved, would repeat a relation `keep`
    already has (same kind, other actor and start): its note and end date
    fill the kept one's if blank (`_move_relations`).

    Refused (ValidationError, nothing written) where a transfer would end up
    with the same actor on both sides, or as party and intermediary at once,
    or where the moved part-of relations would make a loop.
    """
    check_mergeable(keep, duplicate)
    keep, duplicate = lock_pair(keep, duplicate)
    reason = (
        f"Merged actor {duplicate} (#{duplicate.pk}, {duplicate.slug}) into {keep} (#{keep.pk})"
    )

    between = Transfer.objects.filter(
        Q(supplier=keep, recipient=duplicate) | Q(supplier=duplicate, recipient=keep)
    )
    if between.exists():
        listed = "; ".join(str(transfer) for transfer in between[:5])
        raise ValidationError(
            f"Merging {duplicate} into {keep} would make a transfer's supplier its "
            f"recipient: {listed}. Correct those transfers first."
        )
    party_and_intermediary = TransferIntermediary.objects.filter(
        Q(actor=duplicate, transfer__supplier=keep)
        | Q(actor=duplicate, transfer__recipient=keep)
        | Q(actor=keep, transfer__supplier=duplicate)
        | Q(actor=keep, transfer__recipient=duplicate)
    )
    if party_and_intermediary.exists():
        raise ValidationError(
            f"Merging {duplicate} into {keep} would make {keep} both a party and an "
            "intermediary of a transfer. Correct that transfer first."
        )

    # The rows moved are read locked (in id order, as everywhere), so what is
    # saved, and recorded in their history, is what is stored plus the move.
    transfers = Transfer.objects.select_for_update().order_by("pk")
    # The transfers' search documents are refreshed once, at the end.
    with search_index.batched():
        for transfer in transfers.filter(supplier=duplicate):
            transfer.supplier = keep
            save_with_reason(transfer, reason)
        for transfer in transfers.filter(recipient=duplicate):
            transfer.recipient = keep
            save_with_reason(transfer, reason)
        links = TransferIntermediary.objects.select_for_update(of=("self",)).order_by("pk")
        for link in links.filter(actor=duplicate).select_related("transfer"):
            if TransferIntermediary.objects.filter(transfer=link.transfer, actor=keep).exists():
                link._change_reason = reason
                link.delete()
            else:
                link.actor = keep
                save_with_reason(link, reason)
        _move_relations(keep, duplicate, reason)
        for system in System.objects.select_for_update().filter(origin=duplicate).order_by("pk"):
            system.origin = keep
            save_with_reason(system, reason)
        # Claims attributed to the duplicate are the kept one's: the citation's
        # history records the move; its claim's evidence does not change.
        attributed = Citation.objects.select_for_update().filter(attributed_to_actor=duplicate)
        for citation in attributed.order_by("pk"):
            citation.attributed_to_actor = keep
            save_with_reason(citation, reason)

        # The review queue's proposals follow (no history: they are not records).
        candidates_repoint_actor(keep, duplicate)

        absorb_names(keep, duplicate, name_field="name")
        fill_blanks(keep, duplicate, ["country", "wikidata_id"])
        wikidata_id = keep.wikidata_id
        if wikidata_id == duplicate.wikidata_id:
            keep.wikidata_id = ""  # unique: taken over once the duplicate is gone
        retire(duplicate, keep, user=user, reason=reason)
        keep.wikidata_id = wikidata_id
        save_with_reason(keep, reason)
        search_index.refresh_for_actor(keep.pk)
    return keep


def _move_relations(keep: Actor, duplicate: Actor, reason: str) -> None:
    """The duplicate's relations, on either side, repointed to `keep`; those
    that would relate `keep` to itself or repeat one of its relations are
    deleted instead (in the history, with `reason`)."""
    relations = (
        ActorRelation.objects.select_for_update(of=("self",))
        .filter(Q(actor=duplicate) | Q(related=duplicate))
        .order_by("pk")
    )
    for relation in relations:
        if relation.actor_id == duplicate.pk:
            relation.actor = keep
        if relation.related_id == duplicate.pk:
            relation.related = keep
        twin = (
            ActorRelation.objects.select_for_update(of=("self",))
            .filter(
                actor_id=relation.actor_id,
                kind=relation.kind,
                related_id=relation.related_id,
                start_date=relation.start_date,
            )
            .exclude(pk=relation.pk)
            .first()
        )
        if relation.actor_id == relation.related_id or twin is not None:
            if twin is not None and _fill_relation_blanks(twin, relation):
                save_with_reason(twin, reason)
            relation._change_reason = reason
            relation.delete()
            continue
        try:
            relation.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise ValidationError(
                f"Merging {duplicate} into {keep} would leave the relation “{relation}” "
                f"invalid: {' '.join(error.messages)} Correct the relations first."
            ) from None
        save_with_reason(relation, reason)


def _fill_relation_blanks(kept: ActorRelation, dropped: ActorRelation) -> bool:
    """The dropped twin's end date and note where the kept relation has none."""
    changed = False
    if kept.end_date is None and dropped.end_date is not None:
        kept.end_date, kept.end_date_precision = dropped.end_date, dropped.end_date_precision
        changed = True
    if not kept.note and dropped.note:
        kept.note = dropped.note
        changed = True
    return changed


@transaction.atomic
def system_merge(*, keep: System, duplicate: System, user=None) -> System:
    """Merge `duplicate` into `keep`: its transfers move to `keep`, its
    designation and aliases become aliases, and its id and slug redirect."""
    check_mergeable(keep, duplicate)
    keep, duplicate = lock_pair(keep, duplicate)
    reason = (
        f"Merged system {duplicate} (#{duplicate.pk}, {duplicate.slug}) into {keep} (#{keep.pk})"
    )
    # The transfers' search documents are refreshed once, at the end.
    with search_index.batched():
        for transfer in (
            Transfer.objects.select_for_update().filter(system=duplicate).order_by("pk")
        ):
            transfer.system = keep
            save_with_reason(transfer, reason)
        candidates_repoint_system(keep, duplicate)
        absorb_names(keep, duplicate, name_field="designation")
        fill_blanks(keep, duplicate, ["nato_reporting_name", "origin_id"])
        retire(duplicate, keep, user=user, reason=reason)
        save_with_reason(keep, reason)
        search_index.refresh_for_system(keep.pk)
    return keep
