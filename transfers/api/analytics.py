"""Read-only analytics over transfers: flows and an actor's profile. Each
view narrows transfers with AnalyticsFilterSet exactly as the transfer list
does (an invalid value is a 400), then aggregates in SQL
(transfers.aggregates); the downloads are in downloads.py."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from common.api.fields import record_lookups
from common.api.views import check_filter_references

from .. import aggregates
from ..filters import AnalyticsFilterSet
from ..models import Transfer
from .analytics_schema import ActorProfileSerializer, FlowSerializer


def query_flag(request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    try:
        return serializers.BooleanField().to_internal_value(raw)
    except ValidationError:
        raise ValidationError({name: [f"'{raw}' is not true or false."]}) from None


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
        rows = aggregates.flows(transfers, per_year=per_year)
        self.count_queryset = aggregates.flow_keys(transfers, per_year=per_year)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([aggregates.flow_row(row) for row in page])


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
    #: The actor is named by id or slug (record_lookups).
    path_takes_slug = True

    def list(self, request, *args, **kwargs):
        from actors.models import Actor

        value = self.kwargs["pk"]
        actor = None
        for lookup in record_lookups(value):
            if (actor := Actor.objects.filter(**lookup).first()) is not None:
                break
        if actor is None:
            raise NotFound(f"No actor matches '{value}'.")
        return Response(aggregates.actor_profile(actor, self.filtered_transfers()))
