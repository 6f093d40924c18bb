"""Writers for the bulk exports, shared by the API and `export_transfers`.

Each writer takes a queryset of transfers (already filtered) and yields
text chunks, so a caller can stream them to an HTTP response or a file.

The trade register (CSV) works on tuples, not model instances: the
transfers' own columns, with supplier, recipient and system joined, come
from one streamed query (the cursor `values_list(...).iterator()` uses, a
server-side one on PostgreSQL), and for each chunk of `CSV_CHUNK_SIZE`
transfers their intermediaries, deliveries and citations come from one
query each, plus one for the cited sources that no earlier chunk cited
(each source is read once per export). That is at most 1 + 4 queries per
chunk, memory stays flat however large the table (but for the sources'
titles and URLs), and the first rows are out before the last are read.

JSON Lines reads model instances with `.iterator(chunk_size=…)`; Django
then runs the prefetches once per chunk.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

import orjson
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import F, Lookup, Prefetch, QuerySet
from rest_framework.renderers import JSONRenderer

from common.dates import format_partial_date
from sources.models import Source

from .choices import Condition, SystemCategory, TransferType
from .models import Citation, Delivery, StatusEvent, Transfer, TransferIntermediary

#: Transfers per chunk for the JSON Lines export (model instances, 3 prefetches).
CHUNK_SIZE = 500
#: Transfers per chunk for the CSV export (tuples, 3 or 4 queries per chunk).
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

#: A spreadsheet reads a cell that starts with one of these as a formula
#: (OWASP's CSV-injection list: = + - @ tab CR; and NUL, which ASVS 1.2.10 adds).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\x00")


def spreadsheet_safe(cell: str) -> str:
    """`cell` with a single quote in front if a spreadsheet would take it for a
    formula: the quote makes the spreadsheet show the rest as text. A reader
    of the CSV that wants the stored value drops a leading quote followed by
    one of `FORMULA_TRIGGERS`."""
    return "'" + cell if cell[:1] in FORMULA_TRIGGERS else cell


#: Timestamps a JSON Lines record does not show: only the transfer's own are
#: in it, and parsing the others was a tenth of the export's time.
UNSHOWN_TIMESTAMPS = ("created", "updated")


def _unshown(*relations: str) -> list[str]:
    return [f"{relation}__{name}" for relation in relations for name in UNSHOWN_TIMESTAMPS]


def export_queryset(transfers: QuerySet) -> QuerySet:
    """`transfers` with every relation a JSON Lines record shows (see
    TransferSerializer), in a stable order."""
    return (
        Transfer.objects.filter(pk__in=transfers.order_by().values("pk"))
        .select_related("supplier", "recipient", "system")
        .prefetch_related(
            Prefetch(
                "intermediary_links",
                queryset=TransferIntermediary.objects.select_related("actor")
                .defer(*_unshown("actor"))
                .order_by("position"),
            ),
            Prefetch("status_events", queryset=StatusEvent.objects.defer(*UNSHOWN_TIMESTAMPS)),
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related("source").defer(
                    *UNSHOWN_TIMESTAMPS, *_unshown("source"), "search_document"
                ),
            ),
        )
        .defer("search_document", *_unshown("supplier", "recipient", "system"))
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
NO_DELIVERY = ["", "", "", ""]


def register_queryset(transfers: QuerySet) -> QuerySet:
    """The matching transfers' register columns as tuples, in id order."""
    return (
        Transfer.objects.filter(pk__in=transfers.order_by().values("pk"))
        .order_by("id")
        .values_list(*TRANSFER_COLUMNS)
    )


class AnyOf(Lookup):
    """`lhs = ANY(%s)` with the list as one array parameter (PostgreSQL).

    `__in` with thousands of values sends thousands of parameters, which
    Django and psycopg then prepare one by one: for a chunk of 2,000 ids
    that cost more than running the query."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


def _one_of(queryset: QuerySet, field: str, ids: list[int]) -> QuerySet:
    """`queryset` narrowed to rows whose `field` is one of `ids`."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(AnyOf(F(field), ids))
    return queryset.filter(**{f"{field}__in": ids})


def _of_transfers(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """`queryset` narrowed to rows of the transfers `ids` (ascending) — or, when
    the ids are dense, of every transfer in their range: an index range scan
    costs PostgreSQL far less than one index search per id, and the callers
    only look up the ids they asked for."""
    queryset = queryset.filter(transfer_id__gte=ids[0], transfer_id__lte=ids[-1])
    if ids[-1] - ids[0] < 2 * len(ids):
        return queryset
    return _one_of(queryset, "transfer_id", ids)


def _rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset, straight from the cursor.

    Django's iterable copies each row a few times over; across millions of
    rows that is seconds. The columns read here need no conversion: the
    backends return dates and booleans as such (or, for booleans, as 0 and 1)."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _SourceLabels(dict):
    """{source id: (title or slug, URL)} of the sources cited so far in an
    export, so each is read once, not once per citation."""

    def __init__(self, using: str):
        super().__init__()
        self.using = using

    def load(self, source_ids: set[int]) -> None:
        missing = [source_id for source_id in source_ids if source_id not in self]
        if not missing:
            return
        for source_id, title, slug, url in _rows(
            _one_of(Source.objects.using(self.using), "id", missing)
            .values_list("id", "title", "slug", "url")
            .order_by()
        ):
            self[source_id] = (title or slug, url)


def _related(ids: list[int], using: str, labels: _SourceLabels) -> tuple[dict, dict, dict]:
    """Of the transfers `ids` (ascending), one query each: {id: intermediaries'
    names joined, in order}, {id: [delivery cells, …] by year} and {id: [cited
    source ids]}, each source once, in first-citation order; and one more to
    put the sources not cited before in this export in `labels`, if any."""
    intermediaries: dict = {}
    for transfer_id, name in _rows(
        _of_transfers(TransferIntermediary.objects.using(using), ids)
        .values_list("transfer_id", "actor__name")
        .order_by("transfer_id", "position")
    ):
        intermediaries.setdefault(transfer_id, []).append(name)
    intermediaries = {
        key: spreadsheet_safe(LIST_SEPARATOR.join(names)) for key, names in intermediaries.items()
    }

    deliveries: dict = {}
    for transfer_id, number, number_is_estimate, year, year_is_estimate in _rows(
        _of_transfers(Delivery.objects.using(using), ids)
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

    cited: dict = {}
    citations = _rows(
        _of_transfers(Citation.objects.using(using), ids)
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
    return intermediaries, deliveries, cited


def _chunk_rows(
    chunk: list[tuple], intermediaries: dict, deliveries: dict, cited: dict, labels: dict
) -> list[list[str]]:
    """The register rows of a chunk of transfers: one per delivery year; one
    with empty delivery columns for a transfer without deliveries.

    Every cell that holds stored text goes through `spreadsheet_safe`; the
    others are digits, yes/no, dates, or words of our own vocabularies,
    none of which starts a formula (tests/test_export_safety.py checks the
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
        status,
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
            status,
            transfer_type,
            intermediaries.get(transfer_id, ""),
            format_partial_date(start_date, start_precision) if start_date else "",
            start_precision,
            format_partial_date(end_date, end_precision) if end_date else "",
            end_precision,
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
    transfers, then 3 per chunk (intermediaries, deliveries, citations) and a
    4th for a chunk that cites sources no earlier chunk cited. `progress`, if
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


def write_csv(chunks: Iterable[list[list[str]]]) -> Iterator[str]:
    """The CSV text of the header, then of each chunk of rows (from `trade_register`).

    Every cell is in double quotes (embedded quotes doubled), as OWASP advises
    against formula injection: a separator inside a cell, a ';' for a
    spreadsheet set to split on it, then cannot start a new cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(TRADE_REGISTER_COLUMNS)
    yield buffer.getvalue()
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def write_jsonl(transfers: Iterable[Transfer], context: dict) -> Iterator[str]:
    """One TransferSerializer record a line. `context` needs a `request` for
    the records' URLs."""
    from .api.serializers import TransferSerializer

    renderer = JSONRenderer()
    # One serializer for every record: DRF builds (deep-copies) a serializer's
    # fields, nested ones included, once per serializer instance, and doing
    # that per transfer was most of the export's time (55 transfers/s).
    serializer = TransferSerializer(context=context)
    for transfer in transfers:
        yield renderer.render(serializer.to_representation(transfer)).decode() + "\n"


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

#: What XML 1.0 cannot carry at all, not even as a character reference: C0
#: controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """`value` as text XML 1.0 can hold: each character it cannot, U+FFFD.

    Input validation keeps such characters out (common.validators), but rows
    stored before it, or written around it, may still hold them, and one of
    them would make the whole file unreadable."""
    return NOT_XML.sub("\ufffd", str(value))


def xml_content(value) -> str:
    """`value` as element content. CR as a reference: a parser turns a literal
    CR (or CR LF) into LF."""
    return escape(xml_text(value), {"\r": "&#13;"})


def xml_attribute(value) -> str:
    """`value` as a quoted attribute (quoteattr writes tab, LF and CR as
    references, which a parser would otherwise turn into spaces)."""
    return quoteattr(xml_text(value))


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
            f'<data key="{kind}_{name}">{xml_content(item[name])}</data>'
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
            f'<attvalue for="{kind}_{name}" value={xml_attribute(item[name])}/>'
            for name, _type in attributes
            if item.get(name) not in (None, "")
        )
        return f"<attvalues>{values}</attvalues>" if values else ""

    yield "    <nodes>\n"
    for node in nodes:
        yield (
            f"      <node id={quoteattr(_node_id(node['id']))} label={xml_attribute(node['name'])}>"
            f"{attvalues('node', node, NODE_ATTRIBUTES)}</node>\n"
        )
    yield "    </nodes>\n    <edges>\n"
    for edge in edges:
        yield (
            f"      <edge id={quoteattr(_edge_id(edge['id']))} "
            f"source={quoteattr(_node_id(edge['source']))} "
            f"target={quoteattr(_node_id(edge['target']))} "
            f"label={xml_attribute(edge['system_designation'])}>"
            f"{attvalues('edge', edge, EDGE_ATTRIBUTES)}</edge>\n"
        )
    yield "    </edges>\n  </graph>\n</gexf>\n"


# --- the transfer network: JSON --------------------------------------------------------

#: Edges per piece of the streamed JSON network.
NETWORK_CHUNK_SIZE = 2000


def write_network_json(nodes: Iterable[dict], edges: Iterable[dict]) -> Iterator[bytes]:
    """`{"nodes": [...], "edges": [...]}`, written as the edges are read: built
    whole, the network of a million transfers held a worker at 353 MB."""
    yield b'{"nodes":[' + b",".join(map(orjson.dumps, nodes)) + b'],"edges":['
    separator = b""
    batch: list[bytes] = []
    for edge in edges:
        batch.append(orjson.dumps(edge))
        if len(batch) == NETWORK_CHUNK_SIZE:
            yield separator + b",".join(batch)
            separator, batch = b",", []
    yield separator + b",".join(batch) + b"]}" if batch else b"]}"
