"""Writers for the bulk exports, shared by the API and `export_transfers`.

Each writer takes a queryset of transfers (already filtered) and yields
text chunks, so a caller can stream them to an HTTP response or a file.

The trade register (CSV) works on tuples, not model instances: the
transfers' own columns, with supplier, recipient and system joined, come
from one streamed query (`values_list(...).iterator()`, a server-side
cursor on PostgreSQL), and for each chunk of `CSV_CHUNK_SIZE` transfers
their intermediaries, deliveries and cited sources come from one query
each. That is 1 + 3 queries per chunk, memory stays flat however large
the table, and the first rows are out before the last are read.

JSON Lines reads model instances with `.iterator(chunk_size=…)`; Django
then runs the prefetches once per chunk.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from xml.sax.saxutils import escape, quoteattr

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from rest_framework.renderers import JSONRenderer

from common.dates import format_partial_date
from sources.models import Citation

from .choices import Condition, SystemCategory, TransferType
from .models import Delivery, Transfer, TransferIntermediary

#: Transfers per chunk for the JSON Lines export (model instances, 4 prefetches).
CHUNK_SIZE = 500
#: Transfers per chunk for the CSV export (tuples, 3 queries per chunk).
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
    "Our status",
    "Transfer type",
    "Intermediaries",
    "Start date",
    "Start date precision",
    "End date",
    "End date precision",
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


def export_queryset(transfers: QuerySet) -> QuerySet:
    """`transfers` with every relation an export touches, in a stable order."""
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


def iterate(transfers: QuerySet) -> Iterator[Transfer]:
    return export_queryset(transfers).iterator(chunk_size=CHUNK_SIZE)


# --- the trade register (CSV), on tuples ------------------------------------------

#: The transfer's own columns a register row needs, in this order (see `_register_rows`).
TRANSFER_COLUMNS = (
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
    "status",
)

CATEGORY_LABELS = {value: str(label) for value, label in SystemCategory.choices}
SIPRI_CONDITION_TEXT = {str(key): value for key, value in SIPRI_CONDITION.items()}
LICENSED_PRODUCTION = str(TransferType.LICENSED_PRODUCTION)


def register_queryset(transfers: QuerySet) -> QuerySet:
    """The matching transfers' register columns as tuples, in id order."""
    return (
        Transfer.objects.filter(pk__in=transfers.order_by().values("pk"))
        .order_by("id")
        .values_list(*TRANSFER_COLUMNS)
    )


def _grouped(rows) -> dict:
    """{transfer id: [rest of the row, …]} from rows whose first item is the id,
    keeping the rows' order."""
    groups: dict = {}
    for transfer_id, *rest in rows:
        groups.setdefault(transfer_id, []).append(rest)
    return groups


def _related(ids: list[int], using: str) -> tuple[dict, dict, dict]:
    """Intermediary names (in order), deliveries (by year) and cited sources
    (deduplicated, in first-citation order) of the transfers `ids`: one query each."""
    intermediaries: dict = {}
    for transfer_id, name in (
        TransferIntermediary.objects.using(using)
        .filter(transfer_id__in=ids)
        .order_by("transfer_id", "position")
        .values_list("transfer_id", "actor__name")
    ):
        intermediaries.setdefault(transfer_id, []).append(name)
    deliveries = _grouped(
        Delivery.objects.using(using)
        .filter(transfer_id__in=ids)
        .order_by("transfer_id", "year")
        .values_list("transfer_id", "quantity", "quantity_is_estimate", "year", "year_is_estimate")
    )
    sources: dict = {}
    for transfer_id, source_id, title, slug, url in (
        Citation.objects.using(using)
        .filter(transfer_id__in=ids)
        .order_by("transfer_id", "id")
        .values_list("transfer_id", "source_id", "source__title", "source__slug", "source__url")
    ):
        cited = sources.setdefault(transfer_id, {})
        if source_id not in cited:
            cited[source_id] = (title or slug, url)
    return intermediaries, deliveries, sources


def _register_rows(row: tuple, intermediaries, deliveries, sources) -> Iterator[list]:
    """One row per delivery year; one row with empty delivery columns if
    there are no deliveries. Same cells as the model-based layout had."""
    (
        _id,
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
        status,
    ) = row
    cited = sources.values() if sources else ()
    head = [
        supplier,
        recipient,
        designation,
        description,
        CATEGORY_LABELS.get(category, category),
        str(start_date.year) if start_date else "",
        # We record a date's precision, not whether it is an estimate.
        "",
    ]
    tail = [
        SIPRI_CONDITION_TEXT.get(condition, ""),
        "yes" if transfer_type == LICENSED_PRODUCTION else "no",
        slug,
        "" if quantity is None else str(quantity),
        "" if quantity is None else ("yes" if quantity_is_estimate else "no"),
        status,
        transfer_type,
        LIST_SEPARATOR.join(intermediaries) if intermediaries else "",
        format_partial_date(start_date, start_precision) or "",
        start_precision,
        format_partial_date(end_date, end_precision) or "",
        end_precision,
        LIST_SEPARATOR.join(title for title, _url in cited),
        LIST_SEPARATOR.join(url for _title, url in cited if url),
    ]
    if not deliveries:
        yield head + ["", "", "", ""] + tail
        return
    for number, number_is_estimate, year, year_is_estimate in deliveries:
        yield (
            head
            + [
                "" if number is None else str(number),
                "" if number is None else ("yes" if number_is_estimate else "no"),
                str(year),
                "yes" if year_is_estimate else "no",
            ]
            + tail
        )


def trade_register(
    transfers: QuerySet,
    chunk_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[list]:
    """The register rows of `transfers`, streamed: 1 query for the transfers,
    then 3 per chunk of `chunk_size` transfers (default `CSV_CHUNK_SIZE`).
    `progress`, if given, is called with the number of transfers of each chunk.

    Runs inside a transaction, opened here so that it spans the streaming: in
    autocommit Django declares PostgreSQL's server-side cursor WITH HOLD, and
    PostgreSQL then materialises the whole result before the first row comes
    back; inside a transaction the cursor streams. `savepoint=False`: a read
    needs no savepoint of its own when the caller is already in a transaction.
    """
    chunk_size = chunk_size or CSV_CHUNK_SIZE
    queryset = register_queryset(transfers)
    using = queryset.db
    with transaction.atomic(using=using, savepoint=False):
        stream = queryset.iterator(chunk_size=chunk_size)
        try:
            while chunk := list(islice(stream, chunk_size)):
                intermediaries, deliveries, sources = _related([row[0] for row in chunk], using)
                for row in chunk:
                    transfer_id = row[0]
                    yield from _register_rows(
                        row,
                        intermediaries.get(transfer_id),
                        deliveries.get(transfer_id),
                        sources.get(transfer_id),
                    )
                if progress is not None:
                    progress(len(chunk))
        finally:
            # Close the cursor inside the transaction it belongs to, also when
            # the consumer stops early.
            stream.close()


class _Line:
    """A file-like object whose write() returns what it was given."""

    def write(self, value):
        return value


def write_csv(rows: Iterable[list], rows_per_chunk: int = 200) -> Iterator[str]:
    """The CSV text of the header and `rows` (from `trade_register`), in chunks of
    `rows_per_chunk` lines."""
    writer = csv.writer(_Line())
    yield writer.writerow(TRADE_REGISTER_COLUMNS)
    rows = iter(rows)
    while batch := list(islice(rows, rows_per_chunk)):
        yield "".join(map(writer.writerow, batch))


def write_jsonl(transfers: Iterable[Transfer], context: dict) -> Iterator[str]:
    """One TransferSerializer record a line. `context` needs a `request` for
    the records' URLs."""
    from .api.serializers import TransferSerializer

    renderer = JSONRenderer()
    for transfer in transfers:
        data = TransferSerializer(transfer, context=context).data
        yield renderer.render(data).decode() + "\n"


# --- the transfer network: GraphML and GEXF ------------------------------------------

#: (name, GraphML type) of the attributes written on nodes and edges.
NODE_ATTRIBUTES = [
    ("slug", "string"),
    ("name", "string"),
    ("kind", "string"),
    ("country", "string"),
]
EDGE_ATTRIBUTES = [
    ("transfer", "string"),
    ("status", "string"),
    ("transfer_type", "string"),
    ("system", "string"),
    ("system_designation", "string"),
    ("category", "string"),
    ("start_year", "int"),
    ("end_year", "int"),
    ("quantity", "int"),
]
XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _node_id(actor_id) -> str:
    return f"actor-{actor_id}"


def _edge_id(transfer_id) -> str:
    return f"transfer-{transfer_id}"


def write_graphml(nodes: Iterable[dict], edges: Iterable[dict]) -> Iterator[str]:
    """A directed multigraph: actors as nodes, one edge per transfer.
    Unknown values are left out rather than written empty."""
    yield XML_HEADER
    yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    for kind, attributes in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
        for name, type_ in attributes:
            yield (
                f'  <key id="{kind}_{name}" for="{kind}" attr.name="{name}" attr.type="{type_}"/>\n'
            )
    yield '  <graph id="transfers" edgedefault="directed">\n'

    def data(kind, item, attributes):
        return "".join(
            f'<data key="{kind}_{name}">{escape(str(item[name]))}</data>'
            for name, _type in attributes
            if item.get(name) not in (None, "")
        )

    for node in nodes:
        yield (
            f"    <node id={quoteattr(_node_id(node['id']))}>"
            f"{data('node', node, NODE_ATTRIBUTES)}</node>\n"
        )
    for edge in edges:
        yield (
            f"    <edge id={quoteattr(_edge_id(edge['id']))} "
            f"source={quoteattr(_node_id(edge['source']))} "
            f"target={quoteattr(_node_id(edge['target']))}>"
            f"{data('edge', edge, EDGE_ATTRIBUTES)}</edge>\n"
        )
    yield "  </graph>\n</graphml>\n"


GEXF_TYPES = {"string": "string", "int": "integer"}


def write_gexf(nodes: Iterable[dict], edges: Iterable[dict]) -> Iterator[str]:
    """GEXF 1.2 for Gephi: node labels are actor names, edge labels systems."""
    yield XML_HEADER
    yield '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
    yield '  <graph defaultedgetype="directed" mode="static">\n'
    for kind, attributes in (("node", NODE_ATTRIBUTES), ("edge", EDGE_ATTRIBUTES)):
        yield f'    <attributes class="{kind}">\n'
        for name, type_ in attributes:
            yield (
                f'      <attribute id="{kind}_{name}" title="{name}" type="{GEXF_TYPES[type_]}"/>\n'
            )
        yield "    </attributes>\n"

    def attvalues(kind, item, attributes):
        values = "".join(
            f'<attvalue for="{kind}_{name}" value={quoteattr(str(item[name]))}/>'
            for name, _type in attributes
            if item.get(name) not in (None, "")
        )
        return f"<attvalues>{values}</attvalues>" if values else ""

    yield "    <nodes>\n"
    for node in nodes:
        yield (
            f"      <node id={quoteattr(_node_id(node['id']))} label={quoteattr(node['name'])}>"
            f"{attvalues('node', node, NODE_ATTRIBUTES)}</node>\n"
        )
    yield "    </nodes>\n    <edges>\n"
    for edge in edges:
        yield (
            f"      <edge id={quoteattr(_edge_id(edge['id']))} "
            f"source={quoteattr(_node_id(edge['source']))} "
            f"target={quoteattr(_node_id(edge['target']))} "
            f"label={quoteattr(edge['system_designation'])}>"
            f"{attvalues('edge', edge, EDGE_ATTRIBUTES)}</edge>\n"
        )
    yield "    </edges>\n  </graph>\n</gexf>\n"
