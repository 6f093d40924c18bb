"""Restoring a deleted transfer, with the parts deleted along with it.
(Merges live in the editorial app; this stays with the transfer, whose
admin page and API action call it.)"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from common.concurrency import ConcurrentChange
from common.history import save_with_reason

from . import contradictions, search_index
from .models import (
    Citation,
    Delivery,
    Package,
    StatusEvent,
    Transfer,
    TransferIntermediary,
    Value,
)

# Parts deleted with their transfer go in the same transaction; a margin
# covers slow cascades without reaching parts an editor removed earlier.
CASCADE_WINDOW = datetime.timedelta(seconds=5)


#: A restore writes the transfer and the parts deleted with it, so it needs the
#: permission to add each of them (the admin and the API both check this).
RESTORE_PERMISSIONS = (
    "transfers.add_transfer",
    "transfers.add_statusevent",
    "transfers.add_delivery",
    "transfers.add_citation",
    "transfers.add_value",
)


@transaction.atomic
def transfer_restore(*, transfer_id: int, user=None) -> Transfer:
    """Bring back a deleted transfer as it was when deleted, with the status
    events, deliveries, intermediaries, citations and values deleted along
    with it. If its package was deleted since, it comes back without one."""
    # Locking its latest deletion makes restores of one transfer take turns:
    # the next one finds the transfer back and is refused.
    deletion = (
        Transfer.history.select_for_update()
        .filter(id=transfer_id, history_type="-")
        .order_by("history_id")
        .last()
    )
    if Transfer.objects.filter(pk=transfer_id).exists():
        raise ConcurrentChange(f"Transfer #{transfer_id} exists; there is nothing to restore.")
    if deletion is None:
        raise ValidationError(f"No deleted transfer #{transfer_id} is in the history.")
    reason = f"Restored transfer #{transfer_id} from its history"
    transfer = deletion.instance
    for field in ("supplier", "recipient", "system"):
        if (
            not getattr(type(transfer), field)
            .field.related_model.objects.filter(pk=getattr(transfer, f"{field}_id"))
            .exists()
        ):
            raise ValidationError(f"Its {field} no longer exists; restore that first.")
    if (
        transfer.package_id is not None
        and not Package.objects.filter(pk=transfer.package_id).exists()
    ):
        transfer.package_id = None
    # Its search document is rebuilt once, when all its parts are back, and
    # its status events are checked for contradictions once, then too (the
    # ones deleted with it are not restored: the detection finds them again).
    with search_index.batched(), contradictions.batched():
        save_with_reason(transfer, reason, force_insert=True)
        since = deletion.history_date - CASCADE_WINDOW
        # Values last: a value's citation comes back before it.
        for model in (TransferIntermediary, StatusEvent, Delivery, Citation, Value):
            deleted_parts = model.history.filter(
                transfer_id=transfer_id, history_type="-", history_date__gte=since
            ).order_by("history_id")
            for record in deleted_parts:
                if not model.objects.filter(pk=record.id).exists():
                    save_with_reason(record.instance, reason, force_insert=True)
        transfer.refresh_stage()
        search_index.refresh_transfer_ids([transfer.pk])
    return transfer
