"""Charts drawn on the server as SVG geometry: the templates turn these
shapes into `<svg>` elements, so a chart needs no script, works offline and
under the strict Content-Security-Policy (presentation attributes, no inline
styles), and a test can count what was drawn.

Each function takes plain rows and returns dataclasses in the chart's own
coordinates (a `viewBox`); nothing here reads the database."""

import math
from dataclasses import dataclass, field


@dataclass
class Bar:
    label: str
    value: int
    href: str
    y: float
    width: float


@dataclass
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(items, *, width=480, label_width=150, bar_height=18, gap=6) -> BarChart:
    """Horizontal bars for (label, value, href) items, scaled to the largest."""
    items = list(items)
    largest = max((value for _, value, _ in items), default=0) or 1
    room = width - label_width - 40  # space on the right for the figure
    bars = [
        Bar(label, value, href, index * (bar_height + gap), room * value / largest)
        for index, (label, value, href) in enumerate(items)
    ]
    return BarChart(
        bars, width, max(len(bars) * (bar_height + gap), bar_height), label_width, bar_height
    )


@dataclass
class SankeyNode:
    key: object
    label: str
    href: str
    value: int
    x: float
    y: float
    height: float


@dataclass
class SankeyLink:
    source: SankeyNode
    target: SankeyNode
    value: int
    href: str
    path: str
    thickness: float


@dataclass
class Sankey:
    suppliers: list[SankeyNode]
    recipients: list[SankeyNode]
    links: list[SankeyLink]
    width: int
    height: int
    node_width: int


def sankey(flows, *, width=720, node_width=14, gap=10, scale_height=420) -> Sankey:
    """Suppliers on the left, recipients on the right, one band per flow
    whose thickness is its number of transfers.

    `flows`: (supplier, recipient, transfers, href) with each party as
    (key, label, href)."""
    flows = list(flows)
    totals_out: dict = {}
    totals_in: dict = {}
    for supplier, recipient, count, _ in flows:
        totals_out[supplier] = totals_out.get(supplier, 0) + count
        totals_in[recipient] = totals_in.get(recipient, 0) + count
    total = sum(count for *_, count, _ in flows) or 1
    rows = max(len(totals_out), len(totals_in), 1)
    unit = max(scale_height - gap * (rows - 1), 40) / total

    def column(totals, x):
        nodes, y = {}, 0.0
        for party, value in sorted(totals.items(), key=lambda item: (-item[1], item[0][1])):
            key, label, href = party
            nodes[party] = SankeyNode(key, label, href, value, x, y, max(value * unit, 2))
            y += nodes[party].height + gap
        return nodes

    left = column(totals_out, 160)
    right = column(totals_in, width - 160 - node_width)
    out_offset = dict.fromkeys(left, 0.0)
    in_offset = dict.fromkeys(right, 0.0)
    links = []
    for supplier, recipient, count, href in sorted(flows, key=lambda flow: -flow[2]):
        source, target = left[supplier], right[recipient]
        thickness = max(count * unit, 1)
        y0 = source.y + out_offset[supplier] + thickness / 2
        y1 = target.y + in_offset[recipient] + thickness / 2
        out_offset[supplier] += thickness
        in_offset[recipient] += thickness
        x0, x1 = source.x + node_width, target.x
        middle = (x0 + x1) / 2
        path = f"M{x0:.1f},{y0:.1f} C{middle:.1f},{y0:.1f} {middle:.1f},{y1:.1f} {x1:.1f},{y1:.1f}"
        links.append(SankeyLink(source, target, count, href, path, thickness))
    height = math.ceil(
        max(
            [node.y + node.height for node in [*left.values(), *right.values()]],
            default=40,
        )
    )
    return Sankey(list(left.values()), list(right.values()), links, width, height, node_width)


@dataclass
class NetworkNode:
    key: object
    label: str
    href: str
    role: str  # "party" or "intermediary"
    x: float
    y: float
    degree: int = 0


@dataclass
class NetworkEdge:
    source: NetworkNode
    target: NetworkNode
    weight: int
    via: bool
    width: float = field(default=1.0)


@dataclass
class Network:
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    size: int


def network(parties, edges, *, size=560) -> Network:
    """Actors on a circle, edges between them weighted by transfers.

    `parties`: {key: (label, href, role)}; `edges`: {(from, to, via): weight},
    `via` true for the legs of a path through an intermediary."""
    keys = sorted(parties, key=lambda key: parties[key][0])
    radius = size / 2 - 70
    centre = size / 2
    nodes = {}
    for index, key in enumerate(keys):
        angle = 2 * math.pi * index / max(len(keys), 1) - math.pi / 2
        label, href, role = parties[key]
        nodes[key] = NetworkNode(
            key,
            label,
            href,
            role,
            round(centre + radius * math.cos(angle), 1),
            round(centre + radius * math.sin(angle), 1),
        )
    heaviest = max(edges.values(), default=1)
    drawn = []
    for (start, end, via), weight in sorted(edges.items(), key=lambda item: -item[1]):
        nodes[start].degree += weight
        nodes[end].degree += weight
        drawn.append(NetworkEdge(nodes[start], nodes[end], weight, via, 1 + 5 * weight / heaviest))
    return Network(list(nodes.values()), drawn, size)
