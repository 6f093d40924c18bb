from django.db.models import F

from common.api.views import ApiModelViewSet

from ..filters import SourceFilterSet
from ..models import Source
from .serializers import SourceSerializer


class SourceViewSet(ApiModelViewSet):
    """Documents evidence is taken from. Address one by id or slug."""

    # Newest first, undated last, on SQLite as on PostgreSQL.
    queryset = Source.objects.select_related("copy_of").order_by(
        F("publication_date").desc(nulls_last=True), "title", "id"
    )
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet
