"""Writers for the bulk exports, shared by the API and `export_transfers`.

Each writer takes a queryset of transfers (already filtered) and yields
text chunks, so a caller can stream them to an HTTP response or a file.
Rows are read with `.iterator(chunk_size=…)`; Django then runs the
prefetches once per chunk, so memory stays flat however large the table
and the first chunk is out before the last row is read.
"""

import csv
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape, quoteattr

from django.db.models import Prefetch, QuerySet
from rest_framework.renderers import JSONRenderer

from sources.models import Citation

from .choices import Condition, TransferType
from .models import Transfer, TransferIntermediary

CHUNK_SIZE = 500

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
        .defer("search_document")
        .order_by("id")
    )


def iterate(transfers: QuerySet) -> Iterator[Transfer]:
    return export_queryset(transfers).iterator(chunk_size=CHUNK_SIZE)


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
    """One row per delivery year; one row with empty delivery columns if
    there are no deliveries."""
    system = transfer.system
    titles, urls = _sources(transfer)
    head = [
        transfer.supplier.name,
        transfer.recipient.name,
        system.designation,
        system.description,
        system.get_category_display(),
        str(transfer.start_date.year) if transfer.start_date else "",
        # We record a date's precision, not whether it is an estimate.
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
    """A file-like object whose write() returns what it was given."""

    def write(self, value):
        return value


def write_csv(transfers: Iterable[Transfer]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(TRADE_REGISTER_COLUMNS)
    for transfer in transfers:
        for row in trade_register_rows(transfer):
            yield writer.writerow(row)


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
