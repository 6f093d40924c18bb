"""Merging duplicate records: an actor into an actor, a system into a
system. Each is one transaction that moves everything pointing at the
duplicate to the survivor, keeps the duplicate's names as aliases and leaves
a MergeRecord, so the duplicate's id and slug redirect (editorial.merge has
the steps both share)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from actors.models import Actor
from common.history import save_with_reason
from transfers import search_index
from transfers.models import System, Transfer, TransferIntermediary

from .merge import absorb_names, check_mergeable, fill_blanks, lock_pair, retire


@transaction.atomic
def actor_merge(*, keep: Actor, duplicate: Actor, user=None) -> Actor:
    """Merge `duplicate` into `keep`: every transfer, intermediary link,
    affiliation and system origin moves to `keep`, the duplicate's names
    become aliases, and its id and slug redirect to `keep`.

    Refused (ValidationError, nothing written) where a transfer would end up
    with the same actor on both sides, or as party and intermediary at once.
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
    if keep.parent_id == duplicate.pk or duplicate.parent_id == keep.pk:
        raise ValidationError(
            f"{keep} and {duplicate} are parent and affiliate; clear that link before merging."
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
        for affiliate in Actor.objects.select_for_update().filter(parent=duplicate).order_by("pk"):
            affiliate.parent = keep
            save_with_reason(affiliate, reason)
        for system in System.objects.select_for_update().filter(origin=duplicate).order_by("pk"):
            system.origin = keep
            save_with_reason(system, reason)

        absorb_names(keep, duplicate, name_field="name")
        fill_blanks(keep, duplicate, ["country", "wikidata_id", "parent_id", "parent_relation"])
        wikidata_id = keep.wikidata_id
        if wikidata_id == duplicate.wikidata_id:
            keep.wikidata_id = ""  # unique: taken over once the duplicate is gone
        retire(duplicate, keep, user=user, reason=reason)
        keep.wikidata_id = wikidata_id
        save_with_reason(keep, reason)
        search_index.refresh_for_actor(keep.pk)
    return keep


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
        absorb_names(keep, duplicate, name_field="designation")
        fill_blanks(keep, duplicate, ["nato_reporting_name", "origin_id"])
        retire(duplicate, keep, user=user, reason=reason)
        save_with_reason(keep, reason)
        search_index.refresh_for_system(keep.pk)
    return keep
