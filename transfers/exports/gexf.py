"""The transfer network as GEXF 1.2, for Gephi: dynamic, so its timeline
shows each transfer over the years it ran."""

from collections.abc import Iterable, Iterator
from xml.sax.saxutils import quoteattr

from .network_xml import (
    EDGE_ATTRIBUTES,
    NODE_ATTRIBUTES,
    XML_HEADER,
    edge_id,
    node_id,
    xml_attribute,
)

GEXF_TYPES = {"string": "string", "int": "integer", "boolean": "boolean"}


def write_gexf(nodes: Iterable[dict], edges: Iterable[dict]) -> Iterator[str]:
    """GEXF 1.2 for Gephi: node labels are actor names, edge labels systems;
    edges as `aggregates.network_file_edges` gives them, with their weight,
    and their `start` and `end` as the edge's spell (`mode="dynamic"`,
    `timeformat="date"`): an edge without a start is there from the
    beginning, one without an end until the last. Nodes have no spell, so
    every actor stays on the timeline."""
    yield XML_HEADER
    yield '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
    yield '  <graph defaultedgetype="directed" mode="dynamic" timeformat="date">\n'
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
            f"      <node id={quoteattr(node_id(node['id']))} label={xml_attribute(node['name'])}>"
            f"{attvalues('node', node, NODE_ATTRIBUTES)}</node>\n"
        )
    yield "    </nodes>\n    <edges>\n"
    for edge in edges:
        spell = "".join(
            f" {end}={quoteattr(edge[end])}" for end in ("start", "end") if edge.get(end)
        )
        yield (
            f"      <edge id={quoteattr(edge_id(edge['id']))} "
            f"source={quoteattr(node_id(edge['source']))} "
            f"target={quoteattr(node_id(edge['target']))} "
            f"label={xml_attribute(edge['system_designation'])} "
            f'weight="{float(edge.get("weight", 1.0))}"{spell}>'
            f"{attvalues('edge', edge, EDGE_ATTRIBUTES)}</edge>\n"
        )
    yield "    </edges>\n  </graph>\n</gexf>\n"
