"""Downloads of transfers: the full exports (the CSV trade register, JSON
Lines) and the transfer network (JSON, GraphML, GEXF). Filtered as the
transfer list is (an invalid value is a 400, as JSON), then streamed."""

from django.conf import settings
from django.http import StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from common.child_command import ChildCommandsBusy, stream_command

from .. import aggregates
from ..exports import annotations, datapackage, ftm, gexf, graphml, jsonl, network_json, register
from ..filters import RecordsFilterSet
from .analytics import TransferAnalyticsView, query_flag
from .analytics_schema import NetworkSerializer
from .renderers import (
    AnnotationRenderer,
    CSVRenderer,
    FtMRenderer,
    GEXFRenderer,
    GraphMLRenderer,
    NDJSONRenderer,
)
from .representation import TransferShape


class DownloadView(TransferAnalyticsView):
    """A view whose success is a download but whose errors are JSON."""

    pagination_class = None

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def stream(self, chunks, content_type, filename):
        response = StreamingHttpResponse(chunks, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(
    get=extend_schema(
        summary="Trade register (CSV, streamed)",
        operation_id="exports_trade_register_csv",
        description=(
            "The transfers that match the filters (the same as the transfer list's), laid out "
            "like SIPRI's trade register: one row per deal per delivery year, and one row with "
            "empty delivery columns for a deal without deliveries. The columns are SIPRI's — "
            f"{', '.join(register.SIPRI_COLUMNS)} — where `Status` is the condition (new / second "
            "hand / second hand but modernized) and `Local production` is `yes` for licensed "
            f"production; then ours: {', '.join(register.OUR_COLUMNS)}. `Deal id` is the "
            "transfer's slug, stable across exports. Lists inside a cell are separated by `; `. "
            "The body is streamed. Its types (integers, numbers, booleans) are described by "
            "`trade-register.datapackage.json`, a Frictionless Data Package, beside it."
        ),
        parameters=[
            OpenApiParameter(
                "bom",
                OpenApiTypes.BOOL,
                description="Start the file with a UTF-8 byte-order mark, for Excel "
                "(default false).",
            )
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file."),
        },
    )
)
class ExportView(DownloadView):
    """A full export: `export_format` as `export_transfers` writes it, of the
    transfers that match the filters.

    With EXPORTS_IN_CHILD_PROCESS (the default) the command runs in a child
    process at a lower CPU priority and this view relays its output
    (common/child_command.py says why); without, the view renders the same
    bytes itself. Filters are checked here first either way, so a bad one is
    a 400 before anything starts."""

    export_format: str
    content_type: str
    filename: str

    #: Query parameters of the format, not filters: {name: command-line flag}.
    flags: dict[str, str] = {}

    def list(self, request, *args, **kwargs):
        transfers = self.filtered_transfers()
        flags = {name: query_flag(request, name) for name in self.flags}
        if settings.EXPORTS_IN_CHILD_PROCESS:
            query = request.GET.copy()
            for name in self.flags:
                query.pop(name, None)
            try:
                chunks = stream_command(
                    "export_transfers",
                    "--format",
                    self.export_format,
                    "--query",
                    query.urlencode(),
                    "--base-url",
                    f"{request.scheme}://{request.get_host()}",
                    "--no-progress",
                    *(flag for name, flag in self.flags.items() if flags[name]),
                )
            except ChildCommandsBusy:
                raise ExportsBusy from None
        else:
            chunks = self.render(transfers, **flags)
        return self.stream(chunks, self.content_type, self.filename)

    def render(self, transfers, **flags):
        raise NotImplementedError


class ExportsBusy(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "This server is running as many exports as it allows at once; retry in a minute."
    )
    default_code = "exports_busy"
    wait = 60  # seconds, sent as Retry-After by DRF's exception handler


class TradeRegisterExportView(ExportView):
    renderer_classes = [CSVRenderer]
    export_format = "csv"
    content_type = "text/csv; charset=utf-8"
    filename = "trade-register.csv"
    flags = {"bom": "--bom"}

    def render(self, transfers, *, bom=False):
        return register.write_csv(register.trade_register(transfers), bom=bom)


@extend_schema_view(
    get=extend_schema(
        summary="The trade register's Frictionless Data Package",
        operation_id="exports_trade_register_datapackage",
        description=(
            "A Frictionless Data Package (`datapackage.json`) describing the trade register of "
            "the same filters: its one resource's `path` is the CSV's URL with this query, and "
            "its Table Schema types each column (years and counts as integers, amounts as "
            "numbers, yes/no as booleans), so `frictionless`, pandas or R read it typed."
        ),
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="datapackage.json")},
    )
)
class TradeRegisterDataPackageView(DownloadView):
    renderer_classes = [JSONRenderer]

    def list(self, request, *args, **kwargs):
        self.filtered_transfers()  # a bad filter is a 400 here too, not a package of nothing
        query = request.GET.copy()
        for name in ("bom", "format"):
            query.pop(name, None)
        url = request.build_absolute_uri(reverse("api:export-trade-register"))
        if query:
            url += "?" + query.urlencode()
        return Response(datapackage.datapackage(url))


@extend_schema_view(
    get=extend_schema(
        summary="Transfers as JSON Lines (streamed)",
        operation_id="exports_transfers_jsonl",
        description=(
            "The transfers that match the filters (the same as the transfer list's), one full "
            "record a line, each as the transfer detail endpoint returns it. The body is streamed."
        ),
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="One JSON transfer record a line."
            ),
        },
    )
)
class TransferJsonLinesExportView(ExportView):
    filterset_class = RecordsFilterSet
    renderer_classes = [NDJSONRenderer]
    export_format = "jsonl"
    content_type = "application/x-ndjson"
    filename = "transfers.jsonl"

    def render(self, transfers):
        return jsonl.write_jsonl(transfers, TransferShape.for_request(self.request))


NETWORK_DESCRIPTION = (
    "The transfers that match the filters (the same as the transfer list's) as a "
    "directed graph: actors are nodes, and each transfer is an edge from supplier to "
    "recipient with its status, system and years. Not paginated."
)


@extend_schema_view(
    get=extend_schema(
        summary="Transfers as FollowTheMoney entities (JSON Lines, streamed)",
        operation_id="exports_transfers_ftm",
        description=(
            "The transfers that match the filters (the same as the transfer list's, every "
            "stage by default) as FollowTheMoney entities, one a line, for Aleph and "
            "OpenSanctions' tools (`ftm`): the actors (Organization, PublicBody, Company or "
            "LegalEntity by kind), each transfer as an Event (organizer the supplier, involved "
            "the recipient and intermediaries) and an UnknownLink from supplier to recipient, "
            "the sources as Documents and the citations as Documentation (document, the "
            "transfer's Event, the stance as role, the quote as summary). The body is streamed."
        ),
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="One FollowTheMoney entity a line."
            ),
        },
    )
)
class TransferFtMExportView(ExportView):
    filterset_class = RecordsFilterSet
    renderer_classes = [FtMRenderer]
    export_format = "ftm"
    content_type = "application/x-ndjson"
    filename = "transfers.ftm.jsonl"

    def render(self, transfers):
        return ftm.write_ftm(transfers, self.request.build_absolute_uri("/")[:-1])


@extend_schema_view(
    get=extend_schema(
        summary="Citations as W3C Web Annotations (JSON-LD, streamed)",
        operation_id="exports_citations_annotations",
        description=(
            "The citations of the transfers that match the filters (the same as the transfer "
            "list's, every stage by default) as one W3C Web Annotation collection "
            "(`AnnotationCollection`, its one `AnnotationPage` embedded as `first`). Each "
            "annotation's target is the stored text version the quote is anchored in "
            "(`/api/v1/source-texts/<id>/`) with a `TextQuoteSelector` (exact, prefix, suffix) "
            "and a `TextPositionSelector` (start, end: `text[start:end]` is the quote); a quote "
            "with no stored text targets the source (its URL, or else its API URL) with the "
            "quote alone. The body links the transfer and the status event (purpose `linking`) "
            "and gives the stance (purpose `describing`); `creator` is whom the claim is "
            "attributed to. The body is streamed."
        ),
        responses={
            (200, "application/ld+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="An AnnotationCollection."
            ),
        },
    )
)
class CitationAnnotationsExportView(ExportView):
    filterset_class = RecordsFilterSet
    renderer_classes = [AnnotationRenderer]
    export_format = "annotations"
    content_type = annotations.MEDIA_TYPE
    filename = "citations.jsonld"

    def render(self, transfers):
        origin = self.request.build_absolute_uri("/")[:-1]
        url = annotations.collection_url(origin, self.request.GET.urlencode())
        return annotations.write_annotations(transfers, origin, url)


@extend_schema_view(
    get=extend_schema(
        summary="The transfer network (JSON)",
        description=(
            f"{NETWORK_DESCRIPTION} The same graph as a file for Gephi, networkx, yEd and the "
            "like: `/api/v1/network.graphml` and `/api/v1/network.gexf` (each an operation of "
            "its own, so a generated client reads the JSON here as JSON; `?format=graphml` or "
            "`?format=gexf` on this URL, as before, gives the same files)."
        ),
        # One media type: a generated client parses this operation's 200 as JSON,
        # so the graph files are operations of their own (NetworkFileView).
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={(200, "application/json"): NetworkSerializer},
    )
)
class NetworkView(DownloadView):
    renderer_classes = [JSONRenderer, GraphMLRenderer, GEXFRenderer]
    serializer_class = NetworkSerializer
    #: The format this URL always gives; None: as negotiated (`?format=`, Accept).
    network_format: str | None = None

    def list(self, request, *args, **kwargs):
        transfers = self.filtered_transfers()
        fmt = self.network_format or request.accepted_renderer.format
        if fmt in ("graphml", "gexf"):
            # The files carry intermediaries and the paths through them; the JSON does not.
            nodes = aggregates.network_nodes(transfers, intermediaries=True)
            nodes = map(aggregates.network_node, nodes)
            edges = aggregates.network_file_edges(transfers)
            if fmt == "graphml":
                return self.stream(
                    graphml.write_graphml(nodes, edges),
                    GraphMLRenderer.media_type,
                    "transfers.graphml",
                )
            return self.stream(
                gexf.write_gexf(nodes, edges), GEXFRenderer.media_type, "transfers.gexf"
            )
        nodes = aggregates.network_nodes(transfers)
        edges = aggregates.network_edges(transfers)
        # Streamed, not built whole: a million edges are some 200 MB of JSON.
        return StreamingHttpResponse(
            network_json.write_network_json(map(aggregates.network_node, nodes), edges),
            content_type="application/json",
        )


def network_file_view(renderer):
    """The network as one graph file (`/api/v1/network.graphml`, `.gexf`): a
    view of its own, so its operation in the schema has one media type."""
    name = renderer.format.upper().replace("GRAPHML", "GraphML")

    @extend_schema_view(
        get=extend_schema(
            summary=f"The transfer network ({name}, streamed)",
            operation_id=f"network_{renderer.format}",
            description=(
                f"{NETWORK_DESCRIPTION} As {name}, for Gephi, networkx, yEd and the like (a "
                "multigraph: two transfers between the same pair are two edges; node ids are "
                "`actor-<id>`, labelled with the actor's name). The file also has the "
                "intermediaries as nodes: a transfer through them has, beside its edge, one edge "
                "a leg of its path supplier → intermediary → … → recipient, marked `via` (with "
                "`path_step` and the stop's `intermediary_role`). Every edge has a weight of 1 "
                "and the transfer's dates (`start`, `end`); the GEXF is dynamic "
                "(`mode=\"dynamic\"`), with them as each edge's spell, so Gephi's timeline plays "
                "the transfers. The body is streamed."
            ),
            responses={
                (200, renderer.media_type): OpenApiResponse(
                    # A file's bytes (`format: binary`): generators type it as a file.
                    OpenApiTypes.BINARY,
                    description=name,
                ),
            },
        )
    )
    class NetworkFileView(NetworkView):
        renderer_classes = [renderer]
        network_format = renderer.format

    NetworkFileView.__name__ = NetworkFileView.__qualname__ = f"Network{name}View"
    return NetworkFileView


NetworkGraphMLView = network_file_view(GraphMLRenderer)
NetworkGEXFView = network_file_view(GEXFRenderer)
