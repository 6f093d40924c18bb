"""The trade register as it was written before the tuple-based rewrite:
model instances with four prefetches per chunk. Kept verbatim (but for the
imports, and for the formula neutralising and quoting of every cell, added
for issue 12 the obvious way: in `reference_csv`, on every cell) as the
reference the new writer must match byte for byte."""

import csv
from collections.abc import Iterator

from django.db.models import Prefetch, QuerySet

from transfers.choices import TransferType
from transfers.exports.register import LIST_SEPARATOR, SIPRI_CONDITION, TRADE_REGISTER_COLUMNS
from transfers.models import Citation, Transfer, TransferIntermediary


def export_queryset(transfers: QuerySet) -> QuerySet:
    return (
        Transfer.objects.filter(pk__in=transfers.order_by().values("pk"))
        .select_related("supplier", "recipient", "system")
        .prefetch_related(
            Prefetch(
                "intermediary_links",
                queryset=TransferIntermediary.objects.select_related("actor").order_by("position"),
            ),
            "deliveries",
            "status_events",
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
        )
        .order_by("id")
    )


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _number(value) -> str:
    return "" if value is None else str(value)


def _sources(transfer) -> tuple[list[str], list[str]]:
    titles, urls, seen = [], [], set()
    for citation in transfer.citations.all():
        source = citation.source
        if source.pk in seen:
            continue
        seen.add(source.pk)
        titles.append(source.title or source.slug)
        if source.url:
            urls.append(source.url)
    return titles, urls


def trade_register_rows(transfer) -> Iterator[list[str]]:
    system = transfer.system
    titles, urls = _sources(transfer)
    head = [
        transfer.supplier.name,
        transfer.recipient.name,
        system.designation,
        system.description,
        system.get_category_display(),
        str(transfer.start_date.year) if transfer.start_date else "",
        "",
    ]
    tail = [
        SIPRI_CONDITION.get(transfer.condition, ""),
        _yes_no(transfer.transfer_type == TransferType.LICENSED_PRODUCTION),
        transfer.slug,
        _number(transfer.quantity),
        _yes_no(transfer.quantity_is_estimate) if transfer.quantity is not None else "",
        transfer.status,
        transfer.transfer_type,
        LIST_SEPARATOR.join(link.actor.name for link in transfer.intermediary_links.all()),
        transfer.start_date_display or "",
        transfer.start_date_precision,
        transfer.end_date_display or "",
        transfer.end_date_precision,
        LIST_SEPARATOR.join(titles),
        LIST_SEPARATOR.join(urls),
    ]
    deliveries = sorted(transfer.deliveries.all(), key=lambda d: d.year)
    if not deliveries:
        yield head + ["", "", "", ""] + tail
    for delivery in deliveries:
        yield (
            head
            + [
                _number(delivery.quantity),
                _yes_no(delivery.quantity_is_estimate) if delivery.quantity is not None else "",
                str(delivery.year),
                _yes_no(delivery.year_is_estimate),
            ]
            + tail
        )


class _Line:
    def write(self, value):
        return value


def _neutralised(row: list[str]) -> list[str]:
    """Each cell that starts as a spreadsheet formula would, behind a single quote."""
    return [
        "'" + cell if cell.startswith(("=", "+", "-", "@", "\t", "\r", "\x00")) else cell
        for cell in row
    ]


def reference_csv(transfers: QuerySet) -> str:
    """The whole trade register of `transfers`, as the old writer made it."""
    writer = csv.writer(_Line(), quoting=csv.QUOTE_ALL)
    parts = [writer.writerow(_neutralised(TRADE_REGISTER_COLUMNS))]
    for transfer in export_queryset(transfers).iterator(chunk_size=500):
        for row in trade_register_rows(transfer):
            parts.append(writer.writerow(_neutralised(row)))
    return "".join(parts)
