"""Read-only analytics over transfers: flows (and, below, exports and the
network). Each view narrows transfers with TransferFilterSet exactly as the
transfer list does (an invalid value is a 400), then aggregates in SQL."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError

from .. import analytics
from ..filters import TransferFilterSet
from ..models import Transfer


class AnalyticsFilterSet(TransferFilterSet):
    """The transfer list's filters, without `ordering`: aggregates have
    their own fixed order."""


AnalyticsFilterSet.base_filters.pop("ordering")


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
        return self.filter_queryset(self.get_queryset())


@extend_schema(
    summary="Flows: supplier × recipient aggregates",
    description=(
        "For each supplier and recipient pair among the transfers that match the filters "
        "(the same filters as the transfer list): the number of transfers, the sum of the "
        "known quantities, and how many transfers have no known quantity. With "
        "`per_year=true` the start year is a grouping key as well. Ordered by supplier, "
        "recipient and year."
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
        rows = analytics.flows(self.filtered_transfers(), per_year=per_year)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([analytics.flow_row(row) for row in page])
