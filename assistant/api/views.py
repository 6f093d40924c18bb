from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from common.api.fields import record_lookups
from common.api.views import RECORD_LOOKUP_PATTERN
from sources.models import Source

from .. import services
from ..admin import may_accept
from ..filters import CandidateFilterSet
from ..models import Candidate
from .serializers import CandidateSerializer, ReviewSerializer


class CandidateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The reading assistant's candidates: claims it proposes from the stored
    texts of sources (each new text is read as it is stored). Correct one with
    PATCH, then accept it (writes the transfer, or adds the evidence to the
    existing one, its status event and the citation, in one transaction) or
    reject it. Rejected candidates are never shown."""

    serializer_class = CandidateSerializer
    filterset_class = CandidateFilterSet
    lookup_value_regex = RECORD_LOOKUP_PATTERN
    http_method_names = ["get", "patch", "post", "head", "options"]

    @property
    def path_takes_slug(self) -> bool:
        # /sources/<id or slug>/candidates/ names a source; /candidates/<id>/ a candidate.
        return self.action == "list"

    def get_queryset(self):
        queryset = (
            Candidate.objects.visible()
            .select_related(
                "reading__document__source",
                "supplier",
                "recipient",
                "system",
                "attributed_to_actor",
                "transfer__supplier",
                "transfer__recipient",
                "transfer__system",
            )
            .prefetch_related("intermediaries")
            .order_by("reading__document__source_id", "reading__document__version", "start", "id")
        )
        if self.action == "list" and "pk" in self.kwargs:  # /sources/<id or slug>/candidates/
            source = self._source()
            queryset = queryset.filter(reading__document__source=source)
        return queryset

    def _source(self) -> Source:
        value = self.kwargs["pk"]
        for lookup in record_lookups(value, "slug"):
            found = Source.objects.filter(**lookup).first()
            if found is not None:
                return found
        return get_object_or_404(Source, pk=-1)

    def perform_update(self, serializer):
        if serializer.instance.state != "pending":
            raise PermissionDenied("Only a candidate waiting for review can be corrected.")
        with transaction.atomic():
            serializer.save()

    @extend_schema(request=ReviewSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the candidate as it stands (correct it first with PATCH)."""
        candidate = self.get_object()
        if not may_accept(request.user, candidate):
            raise PermissionDenied(
                "Accepting writes a citation, a status event and maybe a transfer: it needs "
                "the permission to add each."
            )
        review = ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        services.candidate_accept(
            candidate, user=request.user, note=review.validated_data.get("note", "")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=candidate.pk)).data)

    @extend_schema(request=ReviewSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject the candidate: nothing is written, and it is not shown again."""
        candidate = self.get_object()
        review = ReviewSerializer(data=request.data)
        review.is_valid(raise_exception=True)
        services.candidate_reject(
            candidate, user=request.user, note=review.validated_data.get("note", "")
        )
        return Response(status=204)
