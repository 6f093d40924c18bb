"""Read-only analytics over transfers: flows (and, below, exports and the
network). Each view narrows transfers with TransferFilterSet exactly as the
transfer list does (an invalid value is a 400), then aggregates in SQL."""

from django.conf import settings
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from common.api.fields import record_lookups
from common.api.views import check_filter_references
from common.child_command import ChildCommandsBusy, stream_command

from .. import analytics, exports
from ..filters import AnalyticsFilterSet
from ..models import Transfer


def query_flag(request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    try:
        return serializers.BooleanField().to_internal_value(raw)
    except ValidationError:
        raise ValidationError({name: [f"'{raw}' is not true or false."]}) from None


class FlowPartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class FlowSerializer(serializers.Serializer):
    """Transfers from one supplier to one recipient (in one start year, with
    `per_year`)."""

    supplier = FlowPartySerializer()
    recipient = FlowPartySerializer()
    year = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Start year (only with `per_year=true`); null for undated transfers.",
    )
    transfers = serializers.IntegerField(help_text="Number of transfers.")
    known_quantity = serializers.IntegerField(
        help_text="Sum of the quantities of the transfers whose quantity is known."
    )
    unknown_quantity = serializers.IntegerField(
        help_text="Number of transfers whose quantity is unknown (not counted above)."
    )


class TransferAnalyticsView(generics.ListAPIView):
    queryset = Transfer.objects.all()
    filterset_class = AnalyticsFilterSet

    def filtered_transfers(self):
        transfers = self.filter_queryset(self.get_queryset())
        # Aggregates and downloads cannot tell "no such actor" from "no
        # transfers": name the unknown slugs up front (a query per such filter).
        check_filter_references(self)
        return transfers


@extend_schema(
    summary="Flows: supplier × recipient aggregates",
    description=(
        "For each supplier and recipient pair among the transfers that match the filters "
        "(the same filters as the transfer list): the number of transfers, the sum of the "
        "known quantities, and how many transfers have no known quantity. With "
        "`per_year=true` the start year is a grouping key as well. Ordered by supplier, "
        "recipient and year (undated last)."
    ),
    parameters=[
        OpenApiParameter(
            "per_year",
            OpenApiTypes.BOOL,
            description="Group by the transfer's start year as well (default false).",
        )
    ],
)
class FlowListView(TransferAnalyticsView):
    serializer_class = FlowSerializer

    def list(self, request, *args, **kwargs):
        per_year = query_flag(request, "per_year")
        transfers = self.filtered_transfers()
        rows = analytics.flows(transfers, per_year=per_year)
        self.count_queryset = analytics.flow_keys(transfers, per_year=per_year)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([analytics.flow_row(row) for row in page])


class DownloadRenderer(BaseRenderer):
    """Passes a download through; the view writes the body itself."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


class NDJSONRenderer(DownloadRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


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
            f"{', '.join(exports.SIPRI_COLUMNS)} — where `Status` is the condition (new / second "
            "hand / second hand but modernized) and `Local production` is `yes` for licensed "
            f"production; then ours: {', '.join(exports.OUR_COLUMNS)}. `Deal id` is the "
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
        return exports.write_csv(exports.trade_register(transfers))


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
    renderer_classes = [NDJSONRenderer]
    export_format = "jsonl"
    content_type = "application/x-ndjson"
    filename = "transfers.jsonl"

    def render(self, transfers):
        return exports.write_jsonl(exports.iterate(transfers), self.get_serializer_context())


class GraphMLRenderer(DownloadRenderer):
    media_type = "application/graphml+xml"
    format = "graphml"


class GEXFRenderer(DownloadRenderer):
    media_type = "application/gexf+xml"
    format = "gexf"


class NetworkNodeSerializer(serializers.Serializer):
    """An actor that supplies or receives at least one of the transfers."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 code; empty if none.")


class NetworkEdgeSerializer(serializers.Serializer):
    """One transfer, from its supplier (`source`) to its recipient (`target`)."""

    id = serializers.IntegerField(help_text="The transfer's id.")
    transfer = serializers.CharField(help_text="The transfer's slug.")
    source = serializers.IntegerField(help_text="The supplier's id (a node).")
    target = serializers.IntegerField(help_text="The recipient's id (a node).")
    status = serializers.CharField()
    transfer_type = serializers.CharField()
    system = serializers.CharField(help_text="The system's slug.")
    system_designation = serializers.CharField()
    category = serializers.CharField()
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)
    quantity = serializers.IntegerField(allow_null=True)


# One object, though the view is a (filtered) list view.
@extend_schema_serializer(many=False)
class NetworkSerializer(serializers.Serializer):
    nodes = NetworkNodeSerializer(many=True)
    edges = NetworkEdgeSerializer(many=True)


@extend_schema_view(
    get=extend_schema(
        summary="The transfer network (JSON, GraphML or GEXF)",
        description=(
            "The transfers that match the filters (the same as the transfer list's) as a "
            "directed graph: actors are nodes, and each transfer is an edge from supplier to "
            "recipient with its status, system and years. Not paginated. `format=graphml` or "
            "`format=gexf` gives a file for Gephi, networkx, yEd and the like (a multigraph: "
            "two transfers between the same pair are two edges; node ids are `actor-<id>`)."
        ),
        responses={
            (200, "application/json"): NetworkSerializer,
            (200, "application/graphml+xml"): OpenApiResponse(
                OpenApiTypes.STR, description="GraphML."
            ),
            (200, "application/gexf+xml"): OpenApiResponse(OpenApiTypes.STR, description="GEXF."),
        },
    )
)
class NetworkView(DownloadView):
    renderer_classes = [JSONRenderer, GraphMLRenderer, GEXFRenderer]
    serializer_class = NetworkSerializer

    def list(self, request, *args, **kwargs):
        transfers = self.filtered_transfers()
        nodes = analytics.network_nodes(transfers)
        edges = analytics.network_edges(transfers)
        fmt = request.accepted_renderer.format
        if fmt == "graphml":
            return self.stream(
                exports.write_graphml(map(analytics.network_node, nodes), edges),
                GraphMLRenderer.media_type,
                "transfers.graphml",
            )
        if fmt == "gexf":
            return self.stream(
                exports.write_gexf(map(analytics.network_node, nodes), edges),
                GEXFRenderer.media_type,
                "transfers.gexf",
            )
        # Streamed, not built whole: a million edges are some 200 MB of JSON.
        return StreamingHttpResponse(
            exports.write_network_json(map(analytics.network_node, nodes), edges),
            content_type="application/json",
        )


class ProfileCountsSerializer(serializers.Serializer):
    transfers = serializers.IntegerField(help_text="Number of transfers.")
    known_quantity = serializers.IntegerField(help_text="Sum of the known quantities.")
    unknown_quantity = serializers.IntegerField(
        help_text="Number of transfers whose quantity is unknown."
    )


class ProfileSystemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    designation = serializers.CharField()
    category = serializers.CharField()


class ProfilePartnerSerializer(ProfileCountsSerializer):
    actor = FlowPartySerializer()


class ProfileCategorySerializer(ProfileCountsSerializer):
    category = serializers.CharField()


class ProfileYearSerializer(ProfileCountsSerializer):
    year = serializers.IntegerField(allow_null=True, help_text="Start year; null if undated.")


class ProfileSystemCountsSerializer(ProfileCountsSerializer):
    system = ProfileSystemSerializer()


class ProfileRoleSerializer(ProfileCountsSerializer):
    by_partner = ProfilePartnerSerializer(many=True)
    by_category = ProfileCategorySerializer(many=True)
    by_year = ProfileYearSerializer(many=True)
    systems = ProfileSystemCountsSerializer(many=True)


@extend_schema_serializer(many=False)
class ActorProfileSerializer(serializers.Serializer):
    actor = FlowPartySerializer()
    supplied = ProfileRoleSerializer(help_text="Transfers in which the actor is the supplier.")
    received = ProfileRoleSerializer(help_text="Transfers in which the actor is the recipient.")


@extend_schema_view(
    get=extend_schema(
        summary="An actor's profile: what it supplied and received",
        operation_id="actors_profile_retrieve",
        description=(
            "For one actor (by id or slug), among the transfers that match the filters (the "
            "same as the transfer list's): totals as supplier and as recipient, each broken "
            "down by partner, by system category, by start year and by system. Computed with "
            "aggregate queries."
        ),
        responses={200: ActorProfileSerializer},
    )
)
class ActorProfileView(TransferAnalyticsView):
    serializer_class = ActorProfileSerializer
    pagination_class = None

    def list(self, request, *args, **kwargs):
        from actors.models import Actor

        value = self.kwargs["pk"]
        actor = None
        for lookup in record_lookups(value):
            if (actor := Actor.objects.filter(**lookup).first()) is not None:
                break
        if actor is None:
            raise NotFound(f"No actor matches '{value}'.")
        return Response(analytics.actor_profile(actor, self.filtered_transfers()))
