"""Keeping the transfers' stored search documents true.

A transfer's document (`Transfer.search_document`, GIN-indexed on
PostgreSQL) is built from TRANSFER_SEARCH: its own fields, its supplier's,
recipient's and system's names, its intermediaries' names and its citations'
quotes. Whatever changes one of those refreshes the documents it affects:

- saving a transfer (API, admin, services, fixture loads, restores);
- adding, moving or removing an intermediary link or a citation;
- renaming an actor or a system, or changing their aliases (only when those
  fields really change: fixing an actor's country rewrites nothing).

Signals catch the writes that go through `save()` and `delete()`; writes
that bypass them (`bulk_create`, queryset `update()`) call the `refresh_*`
functions here themselves, and writes that save many rows (merges,
restores) wrap them in `batched()` to refresh once, at the end. Off PostgreSQL there is no stored
document, and all of this does nothing, without a query.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections
from django.db.models.signals import post_delete, post_save, pre_save

from actors.models import Actor
from common.search import rebuild_documents, refresh_documents

from .models import (
    Citation,
    System,
    Transfer,
    TransferIntermediary,
    deletion_started_from_transfers,
)
from .search import TRANSFER_SEARCH

SPEC = TRANSFER_SEARCH
# What each model contributes to a transfer's document (the fields searched), read
# off the spec.
TRANSFER_SEARCHED = SPEC.own_fields()
ACTOR_SEARCHED = SPEC.fields_under("supplier", "recipient", "intermediaries")
SYSTEM_SEARCHED = SPEC.fields_under("system")
CITATION_SEARCHED = SPEC.fields_under("citations")


def _active(using) -> bool:
    return bool(SPEC.document_field) and connections[using].vendor == "postgresql"


# Inside `batched()`: what to refresh when it ends, per database.
_pending: ContextVar[dict | None] = ContextVar("search_index_pending", default=None)


@contextmanager
def batched():
    """Collect the refreshes asked for inside the block and run them as one
    UPDATE at its end: for writes that save many rows touching the same
    transfers (merges, restores, replacing intermediaries). Nested blocks
    join the outermost."""
    if _pending.get() is not None:
        yield
        return
    token = _pending.set({})
    try:
        yield
        pending = _pending.get()
    finally:
        _pending.reset(token)
    for using, wanted in pending.items():
        refresh_transfers(_affected(using, **wanted))


def _schedule(using, kind, ids) -> bool:
    """Note `ids` for the end of the current `batched()` block, if any."""
    pending = _pending.get()
    if pending is None:
        return False
    wanted = pending.setdefault(using, {"transfers": set(), "actors": set(), "systems": set()})
    wanted[kind].update(ids)
    return True


def _affected(using, *, transfers=(), actors=(), systems=()):
    """The transfers with these ids, or with these actors as supplier,
    recipient or intermediary, or of these systems. A UNION of index scans:
    ORed conditions across columns would read the whole table."""
    rows = Transfer._base_manager.using(using).order_by()
    parts = []
    if transfers:
        parts.append(rows.filter(pk__in=list(transfers)).values("pk"))
    if actors:
        actors = list(actors)
        parts.append(rows.filter(supplier_id__in=actors).values("pk"))
        parts.append(rows.filter(recipient_id__in=actors).values("pk"))
        parts.append(
            TransferIntermediary.objects.using(using)
            .order_by()
            .filter(actor_id__in=actors)
            .values("transfer_id")
        )
    if systems:
        parts.append(rows.filter(system_id__in=list(systems)).values("pk"))
    if not parts:
        return rows.none()
    if len(parts) == 1 and transfers:
        return rows.filter(pk__in=list(transfers))
    return rows.filter(pk__in=parts[0].union(*parts[1:]))


def refresh_transfers(transfers) -> int:
    """Recompute the documents of `transfers` (a queryset) in one UPDATE."""
    return refresh_documents(transfers, SPEC)


def refresh_transfer_ids(ids, *, using="default") -> int:
    """Documents of the transfers with these ids."""
    ids = {pk for pk in ids if pk is not None}
    if not ids or not _active(using) or _schedule(using, "transfers", ids):
        return 0
    return refresh_transfers(Transfer._base_manager.using(using).filter(pk__in=ids))


def refresh_for_actor(actor_id, *, using="default") -> int:
    """Documents of every transfer the actor supplies, receives or passes on."""
    if not _active(using) or _schedule(using, "actors", [actor_id]):
        return 0
    return refresh_transfers(_affected(using, actors=[actor_id]))


def refresh_for_system(system_id, *, using="default") -> int:
    """Documents of every transfer of the system."""
    if not _active(using) or _schedule(using, "systems", [system_id]):
        return 0
    return refresh_transfers(_affected(using, systems=[system_id]))


def rebuild(transfers=None, *, batch_size=20000, progress=None) -> int:
    """Recompute the documents of `transfers` (by default all), one id range
    of `batch_size` at a time."""
    if transfers is None:
        transfers = Transfer._base_manager.all()
    return rebuild_documents(transfers, SPEC, batch_size=batch_size, progress=progress)


# --- signals ---------------------------------------------------------------------


def _touches(update_fields, fields) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


def _remember(sender, instance, using, update_fields, fields, columns):
    """Before a save that may touch `fields`: keep the stored `columns`, so
    that after it we can tell whether they changed."""
    instance._search_before = None
    if _active(using) and instance.pk is not None and _touches(update_fields, fields):
        instance._search_before = (
            sender._base_manager.using(using).filter(pk=instance.pk).values(*columns).first()
        )


def _changed(instance, columns) -> bool:
    before = getattr(instance, "_search_before", None)
    return before is None or any(before[name] != getattr(instance, name) for name in columns)


def _transfer_saved(sender, instance, created, raw, using, update_fields, **kwargs):
    # A status change (save(update_fields=["stage", "updated"])) skips this.
    if _active(using) and _touches(update_fields, TRANSFER_SEARCHED):
        refresh_transfer_ids([instance.pk], using=using)


def _link_changed(sender, instance, using, origin=None, **kwargs):
    if _active(using) and not deletion_started_from_transfers(origin):
        refresh_transfer_ids([instance.transfer_id], using=using)


# Actors and systems count for their names: what they contribute, and how to
# refresh their transfers when it changes.
NAMED = {Actor: (ACTOR_SEARCHED, refresh_for_actor), System: (SYSTEM_SEARCHED, refresh_for_system)}


def _named_before(sender, instance, raw, using, update_fields=None, **kwargs):
    fields, _refresh = NAMED[sender]
    _remember(sender, instance, using, update_fields, fields, fields)


def _named_saved(sender, instance, created, raw, using, update_fields, **kwargs):
    fields, refresh = NAMED[sender]
    if not _active(using) or not _touches(update_fields, fields):
        return
    # A new record has no transfers yet, unless a fixture load brings them first.
    if (raw or not created) and (raw or _changed(instance, fields)):
        refresh(instance.pk, using=using)


# A citation counts for its quote and for the transfer it is about.
CITATION_WATCHED = CITATION_SEARCHED | {"transfer"}
CITATION_SEARCHED_COLUMNS = CITATION_SEARCHED | {"transfer_id"}


def _citation_before(sender, instance, raw, using, update_fields=None, **kwargs):
    _remember(sender, instance, using, update_fields, CITATION_WATCHED, CITATION_SEARCHED_COLUMNS)


def _citation_saved(sender, instance, created, raw, using, update_fields, **kwargs):
    if not _active(using) or not _touches(update_fields, CITATION_WATCHED):
        return
    if _changed(instance, CITATION_SEARCHED_COLUMNS):
        # A citation moved to another transfer leaves the old one's document too.
        before = getattr(instance, "_search_before", None)
        old = before["transfer_id"] if before else None
        refresh_transfer_ids([instance.transfer_id, old], using=using)


def connect():
    """Wire the signals (from TransfersConfig.ready)."""
    uid = "transfers.search_index"
    post_save.connect(_transfer_saved, sender=Transfer, dispatch_uid=f"{uid}.transfer")
    post_save.connect(_link_changed, sender=TransferIntermediary, dispatch_uid=f"{uid}.link+")
    post_delete.connect(_link_changed, sender=TransferIntermediary, dispatch_uid=f"{uid}.link-")
    for model in NAMED:
        name = model._meta.model_name
        pre_save.connect(_named_before, sender=model, dispatch_uid=f"{uid}.{name}<")
        post_save.connect(_named_saved, sender=model, dispatch_uid=f"{uid}.{name}")
    pre_save.connect(_citation_before, sender=Citation, dispatch_uid=f"{uid}.citation<")
    post_save.connect(_citation_saved, sender=Citation, dispatch_uid=f"{uid}.citation")
    post_delete.connect(_link_changed, sender=Citation, dispatch_uid=f"{uid}.citation-")
