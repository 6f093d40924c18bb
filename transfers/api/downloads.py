"""Downloads of transfers: the full exports (the CSV trade register, JSON
Lines) and the transfer network (JSON, GraphML, GEXF). Filtered as the
transfer list is (an invalid value is a 400, as JSON), then streamed."""

from django.conf import settings
from django.http import StreamingHttpResponse
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

from common.child_command import ChildCommandsBusy, stream_command

from .. import aggregates
from ..exports import gexf, graphml, jsonl, network_json, register
from ..filters import RecordsFilterSet
from .analytics import TransferAnalyticsView
from .analytics_schema import NetworkSerializer
from .renderers import CSVRenderer, GEXFRenderer, GraphMLRenderer, NDJSONRenderer
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
            "The body is streamed."
        ),
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

    def list(self, request, *args, **kwargs):
        transfers = self.filtered_transfers()
        if settings.EXPORTS_IN_CHILD_PROCESS:
            try:
                chunks = stream_command(
                    "export_transfers",
                    "--format",
                    self.export_format,
                    "--query",
                    request.GET.urlencode(),
                    "--base-url",
                    f"{request.scheme}://{request.get_host()}",
                    "--no-progress",
                )
            except ChildCommandsBusy:
                raise ExportsBusy from None
        else:
            chunks = self.render(transfers)
        return self.stream(chunks, self.content_type, self.filename)

    def render(self, transfers):
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

    def render(self, transfers):
        return register.write_csv(register.trade_register(transfers))


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
        nodes = aggregates.network_nodes(transfers)
        edges = aggregates.network_edges(transfers)
        fmt = self.network_format or request.accepted_renderer.format
        if fmt == "graphml":
            return self.stream(
                graphml.write_graphml(map(aggregates.network_node, nodes), edges),
                GraphMLRenderer.media_type,
                "transfers.graphml",
            )
        if fmt == "gexf":
            return self.stream(
                gexf.write_gexf(map(aggregates.network_node, nodes), edges),
                GEXFRenderer.media_type,
                "transfers.gexf",
            )
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
                "`actor-<id>`). The body is streamed."
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
