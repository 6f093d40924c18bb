from django.db.models import F

from common.api.views import ApiModelViewSet

from ..filters import CitationFilterSet, SourceFilterSet
from ..models import Citation, Source
from .serializers import CitationSerializer, SourceSerializer


class SourceViewSet(ApiModelViewSet):
    """Documents evidence is taken from. Address one by id or slug."""

    # Newest first, undated last, on SQLite as on PostgreSQL.
    queryset = Source.objects.select_related("copy_of").order_by(
        F("publication_date").desc(nulls_last=True), "title", "id"
    )
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet


class CitationViewSet(ApiModelViewSet):
    """Verbatim quotes from sources, each tied to the transfer it is about and,
    optionally, to the status event it supports. Address one by id."""

    queryset = Citation.objects.select_related(
        "source",
        "transfer__supplier",
        "transfer__recipient",
        "transfer__system",
        "status_event",
    ).order_by("transfer_id", "id")
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    slug_field = None
