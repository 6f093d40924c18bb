from django.db.models import Prefetch

from common.api.views import ApiModelViewSet

from ..filters import ActorFilterSet, ActorRelationFilterSet
from ..models import Actor, ActorRelation
from .serializers import ActorRelationSerializer, ActorSerializer


class ActorViewSet(ApiModelViewSet):
    """States, state organs, armed groups, companies and organisations that
    supply, receive or pass on arms. Address one by id or slug."""

    queryset = Actor.objects.prefetch_related(
        Prefetch("relations", ActorRelation.objects.select_related("related")),
        Prefetch("related_relations", ActorRelation.objects.select_related("actor")),
    ).order_by("name", "id")
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet


class ActorRelationViewSet(ApiModelViewSet):
    """How actors stand to one another: "actor kind related", e.g. the IRGC
    part of Iran, Hezbollah sponsored by Iran. Address one by id."""

    queryset = ActorRelation.objects.select_related("actor", "related").order_by(
        "actor__name", "kind", "related__name", "start_date", "id"
    )
    serializer_class = ActorRelationSerializer
    filterset_class = ActorRelationFilterSet
    slug_field = None
