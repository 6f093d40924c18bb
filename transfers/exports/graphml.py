"""The transfer network as GraphML: actors as nodes (intermediaries too),
one edge per transfer and one per leg of a path through intermediaries."""

from collections.abc import Iterable, Iterator
from xml.sax.saxutils import quoteattr

from .network_xml import (
    EDGE_ATTRIBUTES,
    NODE_ATTRIBUTES,
    XML_HEADER,
    edge_id,
    node_id,
    xml_content,
)

#: Beside the shared attributes: the label yEd, Cytoscape and networkx show,
#: and on edges the weight and the transfer's dates (GraphML has no spells).
GRAPHML_NODE_ATTRIBUTES = [("label", "string"), *NODE_ATTRIBUTES]
GRAPHML_EDGE_ATTRIBUTES = [
    ("label", "string"),
    ("weight", "double"),
    *EDGE_ATTRIBUTES,
    ("start", "string"),
    ("end", "string"),
]


def write_graphml(nodes: Iterable[dict], edges: Iterable[dict]) -> Iterator[str]:
    """A directed multigraph: actors as nodes, labelled with their names;
    edges as `aggregates.network_file_edges` gives them, labelled with the
    system's designation. Unknown values are left out rather than written empty."""
    yield XML_HEADER
    yield '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
    for kind, attributes in (
        ("node", GRAPHML_NODE_ATTRIBUTES),
        ("edge", GRAPHML_EDGE_ATTRIBUTES),
    ):
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
            f"    <node id={quoteattr(node_id(node['id']))}>"
            f"{data('node', node | {'label': node['name']}, GRAPHML_NODE_ATTRIBUTES)}</node>\n"
        )
    for edge in edges:
        labelled = edge | {"label": edge["system_designation"]}
        yield (
            f"    <edge id={quoteattr(edge_id(edge['id']))} "
            f"source={quoteattr(node_id(edge['source']))} "
            f"target={quoteattr(node_id(edge['target']))}>"
            f"{data('edge', labelled, GRAPHML_EDGE_ATTRIBUTES)}</edge>\n"
        )
    yield "  </graph>\n</graphml>\n"
