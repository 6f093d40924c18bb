"""What the GraphML and GEXF networks share: their attributes, their ids,
and text made safe for XML 1.0.

Both files carry more than the JSON network: the intermediaries are nodes,
and a transfer through them has, beside its direct edge, one edge a leg of
its path (`via` true; `aggregates.network_file_edges`), each edge a weight
and the transfer's dates."""

import re
from xml.sax.saxutils import escape, quoteattr

#: (name, GraphML type) of the attributes written on nodes and edges.
NODE_ATTRIBUTES = [
    ("slug", "string"),
    ("name", "string"),
    ("kind", "string"),
    ("country", "string"),
]
EDGE_ATTRIBUTES = [
    ("transfer", "string"),
    ("stage", "string"),
    ("transfer_type", "string"),
    ("system", "string"),
    ("system_designation", "string"),
    ("category", "string"),
    ("start_year", "int"),
    ("end_year", "int"),
    ("quantity", "int"),
    # A leg of the path supplier → intermediary → … → recipient, not the transfer's own edge.
    ("via", "boolean"),
    ("path_step", "int"),
    ("intermediary_role", "string"),
]
XML_HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'

#: What XML 1.0 cannot carry at all, not even as a character reference: C0
#: controls but tab, LF and CR; lone surrogates; U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_value(value) -> str:
    """`value` as GraphML and GEXF write it: booleans as `true` and `false`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_text(value)


def xml_text(value) -> str:
    """`value` as text XML 1.0 can hold: each character it cannot, U+FFFD.

    Input validation keeps such characters out (common.validators), but rows
    stored before it, or written around it, may still hold them, and one of
    them would make the whole file unreadable."""
    return NOT_XML.sub("\ufffd", str(value))


def xml_content(value) -> str:
    """`value` as element content. CR as a reference: a parser turns a literal
    CR (or CR LF) into LF."""
    return escape(xml_value(value), {"\r": "&#13;"})


def xml_attribute(value) -> str:
    """`value` as a quoted attribute (quoteattr writes tab, LF and CR as
    references, which a parser would otherwise turn into spaces)."""
    return quoteattr(xml_value(value))


def node_id(actor_id) -> str:
    return f"actor-{actor_id}"


def edge_id(transfer_id) -> str:
    """`transfer-<id>`, and `transfer-<id>-via-<step>` for a leg of its path."""
    return f"transfer-{transfer_id}"
