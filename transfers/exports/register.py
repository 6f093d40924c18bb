"""The trade register: transfers as CSV in SIPRI's layout, then our own columns.

It works on tuples, not model instances: the transfers' own columns, with
supplier, recipient and system joined, come from one streamed query (the
cursor `values_list(...).iterator()` uses, a server-side one on
PostgreSQL), and for each chunk of `CSV_CHUNK_SIZE` transfers their
intermediaries, deliveries, contract values and citations come from one
query each, plus one for the cited sources that no earlier chunk cited (each
source is read once per export). That is at most 1 + 5 queries per chunk, memory stays flat
however large the table (but for the sources' titles and URLs), and the
first rows are out before the last are read.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import OuterRef, QuerySet, Subquery

from common.dates import format_partial_date
from common.spreadsheet import FORMULA_TRIGGERS, spreadsheet_safe
from sources.models import Source, SourceText

from ..choices import Condition, IntermediaryRole, SystemCategory, TransferType, ValueKind
from ..models import Citation, Delivery, TransferIntermediary, Value
from .sql import in_id_order, of_transfers, one_of, raw_rows

#: Transfers per chunk (tuples, 4 or 5 queries per chunk).
CSV_CHUNK_SIZE = 2000

#: SIPRI trade-register columns, in SIPRI's order, so existing tooling reads them.
SIPRI_COLUMNS = [
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Numbers delivered",
    "Numbers delivered is estimate",
    "Delivery year",
    "Delivery year is estimate",
    "Status",
    "Local production",
]
#: Our own columns, after SIPRI's.
OUR_COLUMNS = [
    "Deal id",
    "Numbers ordered",
    "Numbers ordered is estimate",
    "Numbers ordered up to",
    "Our stage",
    "Our credibility",
    "Independent sources",
    "Transfer type",
    "Intermediaries",
    "Start date",
    "Start date precision",
    "End date",
    "End date precision",
    "Contract value",
    "Contract value currency",
    "Contract value is estimate",
    "Package",
    "Source titles",
    "Source URLs",
]
TRADE_REGISTER_COLUMNS = SIPRI_COLUMNS + OUR_COLUMNS

#: SIPRI's wording of the condition ("Status" in its register).
SIPRI_CONDITION = {
    Condition.NEW: "new",
    Condition.SECOND_HAND: "second hand",
    Condition.SECOND_HAND_MODERNISED: "second hand but modernized",
}

LIST_SEPARATOR = "; "

#: The transfer's own columns a register row needs, in this order (see `_chunk_rows`).
REGISTER_COLUMNS = (
    "id",
    "supplier__name",
    "recipient__name",
    "system__designation",
    "system__description",
    "system__category",
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "condition",
    "transfer_type",
    "slug",
    "quantity",
    "quantity_is_estimate",
    "quantity_max",
    "stage",
    "credibility",
    "independent_sources",
    "package__name",
)

CATEGORY_LABELS = {value: str(label) for value, label in SystemCategory.choices}
#: An intermediary's role as the register writes it after the name: "Syria (transit)".
ROLE_LABELS = {value: str(label).lower() for value, label in IntermediaryRole.choices}
SIPRI_CONDITION_TEXT = {str(key): value for key, value in SIPRI_CONDITION.items()}
LICENSED_PRODUCTION = str(TransferType.LICENSED_PRODUCTION)
NO_DELIVERY = ["", "", "", ""]
NO_VALUE = ("", "", "")
#: An amount as the API writes it: at the model's two decimal places.
AMOUNT_SCALE = Decimal("0.01")


def register_queryset(transfers: QuerySet) -> QuerySet:
    """The matching transfers' register columns as tuples, in id order."""
    return in_id_order(transfers).values_list(*REGISTER_COLUMNS)


def source_title(title: str, publisher: str, published, precision: str) -> str:
    """A source as the register names it: its title, or, untitled, its outlet
    and date ("Untitled (TASS, 2016-05)"). Never its slug: a reader of the
    register has no use for our internal key (the JSON has it)."""
    if title:
        return title
    when = format_partial_date(published, precision) or "undated"
    return f"Untitled ({publisher or 'unknown outlet'}, {when})"


def _web_url(value: str) -> str:
    return value if value.startswith(("https://", "http://")) else ""


class _SourceLabels(dict):
    """{source id: (title, URL)} of the sources cited so far in an export, so
    each is read once, not once per citation. The URL is the source's own, or
    else the web address its current stored text was fetched from (an upload's
    file name is no address); "" if neither is known."""

    def __init__(self, using: str):
        super().__init__()
        self.using = using

    def load(self, source_ids: set[int]) -> None:
        missing = [source_id for source_id in source_ids if source_id not in self]
        if not missing:
            return
        fetched_from = (
            SourceText.objects.filter(source=OuterRef("pk"))
            .order_by("-version")
            .values("retrieved_from")[:1]
        )
        # Through the ORM, not raw_rows: the few sources' dates come back as dates.
        for source_id, title, publisher, published, precision, url, fetched in (
            one_of(Source.objects.using(self.using), "id", missing)
            .annotate(fetched_from=Subquery(fetched_from))
            .values_list(
                "id",
                "title",
                "publisher",
                "publication_date",
                "publication_date_precision",
                "url",
                "fetched_from",
            )
            .order_by()
        ):
            self[source_id] = (
                source_title(title, publisher, published, precision),
                url or _web_url(fetched or ""),
            )


def _related(ids: list[int], using: str, labels: _SourceLabels) -> tuple[dict, dict, dict, dict]:
    """Of the transfers `ids` (ascending), one query each: {id: intermediaries'
    names joined, in order}, {id: [delivery cells, …] by year}, {id: contract
    value cells} (its first contract value, if several) and {id: [cited
    source ids]}, each source once, in first-citation order; and one more to
    put the sources not cited before in this export in `labels`, if any."""
    intermediaries: dict = {}
    for transfer_id, name, role in raw_rows(
        of_transfers(TransferIntermediary.objects.using(using), ids)
        .values_list("transfer_id", "actor__name", "role")
        .order_by("transfer_id", "position")
    ):
        label = f"{name} ({ROLE_LABELS[role]})" if role in ROLE_LABELS else name
        intermediaries.setdefault(transfer_id, []).append(label)
    intermediaries = {
        key: spreadsheet_safe(LIST_SEPARATOR.join(names)) for key, names in intermediaries.items()
    }

    deliveries: dict = {}
    for transfer_id, number, number_is_estimate, year, year_is_estimate in raw_rows(
        of_transfers(Delivery.objects.using(using), ids)
        .values_list("transfer_id", "quantity", "quantity_is_estimate", "year", "year_is_estimate")
        .order_by("transfer_id", "year")
    ):
        deliveries.setdefault(transfer_id, []).append(
            [
                "" if number is None else str(number),
                "" if number is None else ("yes" if number_is_estimate else "no"),
                str(year),
                "yes" if year_is_estimate else "no",
            ]
        )

    contract_values: dict = {}
    # Through the ORM, not raw_rows: SQLite hands a decimal back as a float.
    for transfer_id, amount, currency, is_estimate in (
        of_transfers(Value.objects.using(using), ids)
        .filter(kind=ValueKind.CONTRACT)
        .values_list("transfer_id", "amount", "currency", "is_estimate")
        .order_by("transfer_id", "id")
    ):
        if transfer_id not in contract_values:
            contract_values[transfer_id] = (
                format(amount.quantize(AMOUNT_SCALE), "f"),
                currency,
                "yes" if is_estimate else "no",
            )

    cited: dict = {}
    citations = raw_rows(
        of_transfers(Citation.objects.using(using), ids)
        .values_list("transfer_id", "source_id")
        .order_by("transfer_id", "id")
    )
    for transfer_id, source_id in citations:
        of_transfer = cited.get(transfer_id)
        if of_transfer is None:
            cited[transfer_id] = [source_id]
        elif source_id not in of_transfer:  # each source once, first citation first
            of_transfer.append(source_id)
    labels.load({source_id for _transfer_id, source_id in citations})
    return intermediaries, deliveries, contract_values, cited


def _chunk_rows(
    chunk: list[tuple],
    intermediaries: dict,
    deliveries: dict,
    contract_values: dict,
    cited: dict,
    labels: dict,
) -> list[list[str]]:
    """The register rows of a chunk of transfers: one per delivery year; one
    with empty delivery columns for a transfer without deliveries.

    Every cell that holds stored text goes through `spreadsheet_safe`; the
    others are digits, yes/no, dates, or words of our own vocabularies,
    none of which starts a formula (tests/transfers/test_export_safety.py checks the
    vocabularies)."""
    rows: list[list[str]] = []
    append = rows.append
    category_label = CATEGORY_LABELS.get
    condition_text = SIPRI_CONDITION_TEXT.get
    join = LIST_SEPARATOR.join
    # `spreadsheet_safe` inline: a call per cell costs more than the test.
    triggers = FORMULA_TRIGGERS
    for (
        transfer_id,
        supplier,
        recipient,
        designation,
        description,
        category,
        start_date,
        start_precision,
        end_date,
        end_precision,
        condition,
        transfer_type,
        slug,
        quantity,
        quantity_is_estimate,
        quantity_max,
        stage,
        credibility,
        independent_sources,
        package,
    ) in chunk:
        source_ids = cited.get(transfer_id)
        if source_ids is None:
            titles = urls = ""
        elif len(source_ids) == 1:
            titles, urls = labels[source_ids[0]]
        else:
            pairs = [labels[source_id] for source_id in source_ids]
            titles = join([title for title, _url in pairs])
            urls = join([url for _title, url in pairs if url])
        head = [
            supplier if supplier[:1] not in triggers else "'" + supplier,
            recipient if recipient[:1] not in triggers else "'" + recipient,
            designation if designation[:1] not in triggers else "'" + designation,
            description if description[:1] not in triggers else "'" + description,
            category_label(category, category),
            str(start_date.year) if start_date else "",
            # We record a date's precision, not whether it is an estimate.
            "",
        ]
        tail = [
            condition_text(condition, ""),
            "yes" if transfer_type == LICENSED_PRODUCTION else "no",
            slug if slug[:1] not in triggers else "'" + slug,
            "" if quantity is None else str(quantity),
            "" if quantity is None else ("yes" if quantity_is_estimate else "no"),
            "" if quantity_max is None else str(quantity_max),
            stage,
            str(credibility),
            str(independent_sources),
            transfer_type,
            intermediaries.get(transfer_id, ""),
            format_partial_date(start_date, start_precision) if start_date else "",
            start_precision,
            format_partial_date(end_date, end_precision) if end_date else "",
            end_precision,
            *contract_values.get(transfer_id, NO_VALUE),
            "" if package is None else package if package[:1] not in triggers else "'" + package,
            titles if titles[:1] not in triggers else "'" + titles,
            urls if urls[:1] not in triggers else "'" + urls,
        ]
        delivered = deliveries.get(transfer_id)
        if delivered is None:
            append(head + NO_DELIVERY + tail)
        else:
            for cells in delivered:
                append(head + cells + tail)
    return rows


def trade_register(
    transfers: QuerySet,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list[list[str]]]:
    """The register rows of `transfers`, streamed as one list of rows per chunk
    of `chunk_size` transfers (default `CSV_CHUNK_SIZE`): 1 query for the
    transfers, then 4 per chunk (intermediaries, deliveries, contract values,
    citations) and a 5th for a chunk that cites sources no earlier chunk cited. `progress`, if
    given, is called with the number of transfers of each chunk.

    Runs inside a transaction, opened here so that it spans the streaming: in
    autocommit Django declares PostgreSQL's server-side cursor WITH HOLD, and
    PostgreSQL then materialises the whole result before the first row comes
    back; inside a transaction the cursor streams. `savepoint=False`: a read
    needs no savepoint of its own when the caller is already in a transaction.
    """
    chunk_size = chunk_size or CSV_CHUNK_SIZE
    queryset = register_queryset(transfers)
    using = queryset.db
    try:
        sql, params = queryset.query.get_compiler(using=using).as_sql()
    except EmptyResultSet:
        return
    labels = _SourceLabels(using)
    # The cursor is what `.iterator(chunk_size=…)` uses (server-side on
    # PostgreSQL), read without the iterator's per-row copies; it is opened
    # once the transaction is, so it is not declared WITH HOLD.
    with (
        transaction.atomic(using=using, savepoint=False),
        connections[using].chunked_cursor() as cursor,
    ):
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(chunk_size):
            related = _related([row[0] for row in chunk], using, labels)
            yield _chunk_rows(chunk, *related, labels)
            if progress is not None:
                progress(len(chunk))


def write_csv(chunks: Iterable[list[list[str]]], *, bom: bool = False) -> Iterator[str]:
    """The CSV text of the header, then of each chunk of rows (from `trade_register`);
    with `bom`, a UTF-8 byte-order mark first (Excel reads the file as UTF-8 only then).

    Every cell is in double quotes (embedded quotes doubled), as OWASP advises
    against formula injection: a separator inside a cell, a ';' for a
    spreadsheet set to split on it, then cannot start a new cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(TRADE_REGISTER_COLUMNS)
    yield ("\ufeff" if bom else "") + buffer.getvalue()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()
