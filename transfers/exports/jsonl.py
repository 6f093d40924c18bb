"""JSON Lines: one transfer a line, each as the transfer detail endpoint
returns it (TransferShape builds both).

The transfers' rows come from one streamed query, in id order, and each
chunk of `CHUNK_SIZE` transfers gets its intermediaries, values, status events and
citations from one query each (TransferRows), so memory stays flat however
many transfers match.
"""

from collections.abc import Callable, Iterator
from itertools import islice

from django.db import transaction
from django.db.models import QuerySet

from common.api.renderers import dumps

from ..api.representation import TransferRows, TransferShape
from .sql import in_id_order

#: Transfers per chunk (rows, 4 queries per chunk).
CHUNK_SIZE = 500


def write_jsonl(
    transfers: QuerySet,
    shape: TransferShape,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """The lines of `transfers` (filtered), one a transfer, read by chunks of
    `chunk_size` transfers (default `CHUNK_SIZE`), links built by `shape`.
    `progress`, if given, is called with the number of transfers of each chunk.

    In a transaction that spans the streaming, as the trade register's: in
    autocommit PostgreSQL's server-side cursor would be declared WITH HOLD
    and materialise the whole result before the first row."""
    chunk_size = chunk_size or CHUNK_SIZE
    rows = TransferRows(shape)
    queryset = rows.columns(in_id_order(transfers))
    with transaction.atomic(using=queryset.db, savepoint=False):
        matching = queryset.iterator(chunk_size=chunk_size)
        while chunk := list(islice(matching, chunk_size)):
            yield from _lines(rows.build(chunk))
            if progress is not None:
                progress(len(chunk))


def _lines(records: list[dict]) -> Iterator[str]:
    for record in records:
        yield dumps(record).decode() + "\n"
