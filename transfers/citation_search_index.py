"""Keeping the citations' stored search documents true (PostgreSQL).

A citation's document (`Citation.search_document`, GIN-indexed on
PostgreSQL) is the weighted vector of transfers.search.CITATION_SEARCH.
That spec reads the citation's own fields only, so saving the citation is
the only write that can change it: a signal refreshes it then, in one
UPDATE. Writes that bypass `save()` (the demo data's bulk inserts) call
`rebuild()` themselves. Off PostgreSQL there is no stored document and this
does nothing, without a query.
"""

from django.db.models.signals import post_save

from common.search import rebuild_documents, refresh_documents, stores_documents

from .models import Citation
from .search import CITATION_SEARCH

FIELDS = CITATION_SEARCH.own_fields()


def rebuild(citations=None, *, batch_size=50000, progress=None) -> int:
    """Recompute the documents of `citations` (by default all), one id range at a time."""
    if citations is None:
        citations = Citation._base_manager.all()
    return rebuild_documents(citations, CITATION_SEARCH, batch_size=batch_size, progress=progress)


def _citation_saved(sender, instance, created, raw, using, update_fields, **kwargs):
    if update_fields is not None and FIELDS.isdisjoint(update_fields):
        return
    rows = Citation._base_manager.using(using).filter(pk=instance.pk)
    if stores_documents(rows, CITATION_SEARCH):
        refresh_documents(rows, CITATION_SEARCH)


def connect():
    """Wire the signal (from TransfersConfig.ready)."""
    post_save.connect(
        _citation_saved, sender=Citation, dispatch_uid="transfers.citation_search_index"
    )
