"""`/api/v1/deleted/?since=<timestamp>`: what was deleted or merged away.

It reads django-simple-history's tables (common.history), which every
write path fills, and the merge records; it knows every tracked model,
which is why it lives here and not in common.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from actors.models import Actor, ActorRelation
from common.api.pagination import COUNT_LIMIT, MAX_PAGE_DEPTH, ApiPagination
from sources.models import Source
from transfers.models import (
    Citation,
    CitationRelay,
    Contradiction,
    Package,
    StatusEvent,
    System,
    Transfer,
    Value,
)

from ..models import MergeRecord


def _tracked_types():
    """API type name → model, for everything the deletions feed reports."""
    return {
        "actor": Actor,
        "actor-relation": ActorRelation,
        "system": System,
        "transfer": Transfer,
        "status-event": StatusEvent,
        "source": Source,
        "citation": Citation,
        "citation-relay": CitationRelay,
        "package": Package,
        "value": Value,
        "contradiction": Contradiction,
    }


class DeletedView(APIView):
    """What was deleted or merged away since a moment, for clients that sync
    with `updated_since` and must also drop what is gone."""

    permission_classes = [AllowAny]
    pagination_class = ApiPagination
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="Records deleted or merged away since a moment",
        parameters=[
            OpenApiParameter(
                "since",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601 timestamp, e.g. 2026-11-01T00:00:00Z.",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                many=True,
                enum=list(_tracked_types()),
                description="Only these types (repeat to give several).",
            ),
        ],
        responses={
            200: inline_serializer(
                "DeletedRecord",
                {
                    "type": serializers.CharField(),
                    "id": serializers.IntegerField(),
                    "slug": serializers.CharField(allow_null=True),
                    "deleted_at": serializers.DateTimeField(),
                    "reason": serializers.CharField(allow_null=True),
                    "merged_into": serializers.IntegerField(
                        allow_null=True, help_text="The survivor's id, if it was merged."
                    ),
                },
                many=True,
            )
        },
    )
    def get(self, request):
        since_text = request.query_params.get("since")
        if not since_text:
            raise ValidationError({"since": ["Give a timestamp, e.g. 2026-11-01T00:00:00Z."]})
        try:
            since = parse_datetime(since_text.replace(" ", "+"))
        except ValueError:
            since = None
        if since is None:
            raise ValidationError({"since": [f"'{since_text}' is not an ISO 8601 timestamp."]})
        if since.tzinfo is None:
            since = since.replace(tzinfo=datetime.UTC)
        try:
            # PostgreSQL refuses UTC offsets beyond ±15:59 that Python accepts.
            since = since.astimezone(datetime.UTC)
        except OverflowError:
            raise ValidationError(
                {"since": [f"'{since_text}' is out of range once converted to UTC."]}
            ) from None
        types = _tracked_types()
        wanted = request.query_params.getlist("type") or list(types)
        unknown = sorted(set(wanted) - set(types))
        if unknown:
            raise ValidationError({"type": [f"Unknown type(s): {', '.join(unknown)}."]})

        # A page needs at most the first MAX_PAGE_DEPTH + 1 deletions of each
        # type (numbered pages go no deeper), and counting stops at COUNT_LIMIT:
        # however much was deleted, a request reads a bounded number of rows.
        limit = max(MAX_PAGE_DEPTH, COUNT_LIMIT) + 1
        entries = []
        for type_name in wanted:
            model = types[type_name]
            merged = dict(
                MergeRecord.objects.filter(
                    content_type=ContentType.objects.get_for_model(model),
                    merged_at__gte=since,
                ).values_list("old_id", "survivor_id")
            )
            has_slug = any(field.name == "slug" for field in model._meta.fields)
            deletions = (
                model.history.filter(history_type="-", history_date__gte=since)
                # Restored since: an anti-join on the primary key, not NOT IN over the table.
                .exclude(Exists(model._base_manager.filter(pk=OuterRef("id"))))
                # In the feed's order within a type, through the deletions index.
                .order_by("history_date", "id")
                .values_list(
                    "id", "slug" if has_slug else "id", "history_date", "history_change_reason"
                )[:limit]
            )
            for object_id, slug, deleted_at, reason in deletions:
                entries.append(
                    {
                        "type": type_name,
                        "id": object_id,
                        "slug": slug if has_slug else None,
                        "deleted_at": deleted_at,
                        "reason": reason,
                        "merged_into": merged.get(object_id),
                    }
                )
        entries.sort(key=lambda entry: (entry["deleted_at"], entry["type"], entry["id"]))
        del entries[limit:]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(page)
