from common.api.views import ApiModelViewSet

from ..filters import ActorFilterSet
from ..models import Actor
from .serializers import ActorSerializer


class ActorViewSet(ApiModelViewSet):
    """States, state organs, armed groups, companies and organisations that
    supply, receive or pass on arms. Address one by id or slug."""

    queryset = Actor.objects.select_related("parent").order_by("name", "id")
    serializer_class = ActorSerializer
    filterset_class = ActorFilterSet
