"""`/api/v1/deleted/?since=<timestamp>`: what was deleted or merged away.

It reads django-simple-history's tables (common.history), which every
write path fills, and the merge records; it knows every tracked model,
which is why it lives here and not in common.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, IntegerField, OuterRef
from django.db.models import Value as Literal
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


def _deletions_of(model, rank: int, since, limit: int):
    """The first `limit` deletions of `model` since `since` that were not
    restored, as (id, slug or None, deleted at, reason, rank) rows; `rank`
    orders types of one moment as the feed does, by name."""
    has_slug = any(field.name == "slug" for field in model._meta.fields)
    first = (
        model.history.filter(history_type="-", history_date__gte=since)
        # Restored since: an anti-join on the primary key, not NOT IN over the table.
        .exclude(Exists(model._base_manager.filter(pk=OuterRef("id"))))
        # In the feed's order within a type, through the deletions index.
        .order_by("history_date", "id")
        .values("history_id")[:limit]
    )
    # The part of a UNION is not sliced itself (SQLite refuses that): it
    # selects the versions a sliced subquery picked.
    return (
        model.history.filter(history_id__in=first)
        .annotate(rank=Literal(rank, output_field=IntegerField()))
        .values_list(
            "id",
            "slug" if has_slug else Literal(None, output_field=CharField()),
            "history_date",
            "history_change_reason",
            "rank",
        )
        .order_by()
    )


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
        # however much was deleted, a request reads a bounded number of rows,
        # in two queries whatever the number of types (its merges, and the
        # deletions of every type as one UNION ALL).
        limit = max(MAX_PAGE_DEPTH, COUNT_LIMIT) + 1
        models = {name: types[name] for name in sorted(set(wanted))}
        content_types = ContentType.objects.get_for_models(*models.values())
        merged = {
            (content_type_id, old_id): survivor_id
            for content_type_id, old_id, survivor_id in MergeRecord.objects.filter(
                content_type__in=content_types.values(), merged_at__gte=since
            ).values_list("content_type_id", "old_id", "survivor_id")
        }
        parts = [
            _deletions_of(model, rank, since, limit) for rank, model in enumerate(models.values())
        ]
        rows = parts[0].union(*parts[1:], all=True).order_by("history_date", "rank", "id")[:limit]
        names = list(models)
        entries = []
        for object_id, slug, deleted_at, reason, rank in rows:
            model = models[names[rank]]
            entries.append(
                {
                    "type": names[rank],
                    "id": object_id,
                    "slug": slug,
                    "deleted_at": deleted_at,
                    "reason": reason,
                    "merged_into": merged.get((content_types[model].pk, object_id)),
                }
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(page)
