from django.db import transaction
from django.db.models import F
from rest_framework import status

from common.api.views import ApiModelViewSet

from ..filters import SourceFilterSet, SourceTextFilterSet
from ..models import Source, SourceText
from .serializers import SourceSerializer, SourceTextSerializer


class SourceViewSet(ApiModelViewSet):
    """Documents evidence is taken from. Address one by id or slug."""

    # Newest first, undated last, on SQLite as on PostgreSQL.
    queryset = Source.objects.select_related("copy_of").order_by(
        F("publication_date").desc(nulls_last=True), "title", "id"
    )
    serializer_class = SourceSerializer
    filterset_class = SourceFilterSet


class SourceTextViewSet(ApiModelViewSet):
    """The stored versions of sources' texts. Post a text to store a new
    version (the same text again stores nothing and answers 200 with the
    version it is); a version is never changed or replaced."""

    slug_field = None
    http_method_names = ["get", "post", "head", "options"]
    queryset = SourceText.objects.select_related("source").order_by("source_id", "version")
    serializer_class = SourceTextSerializer
    filterset_class = SourceTextFilterSet

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
            if serializer.created:
                self.record_change_reason(serializer.instance)
        code = status.HTTP_201_CREATED if serializer.created else status.HTTP_200_OK
        return self.fresh_response(serializer.instance, code)
