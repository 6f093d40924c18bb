"""`/api/v1/deleted/?since=<timestamp>`: what was deleted or merged away.

It reads django-simple-history's tables (common.history), which every
write path fills, and the merge records; it knows every tracked model,
which is why it lives here and not in common.
"""

import datetime
import functools

from django.contrib.contenttypes.models import ContentType
from django.db import connection
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


@functools.cache
def _deletions_sql(models: tuple) -> str:
    """One query for the deletions of `models` (each a tracked model):
    (id, slug or NULL, deleted at, reason, rank of the type) rows, the first
    `limit` of each type not restored since `since`, then the first `limit`
    of them all in the feed's order (its two named parameters).

    Written as SQL, once per set of types: built with the ORM, the eleven
    parts (a filter, an anti-join and a subquery each) cost more to build and
    compile on every request than the database took to answer them."""
    quote = connection.ops.quote_name
    parts = []
    for rank, model in enumerate(models):
        history = model.history.model._meta.db_table
        has_slug = any(field.name == "slug" for field in model._meta.fields)
        parts.append(
            # Each part is wrapped, since SQLite orders and limits a UNION's
            # parts only as subqueries.
            f"SELECT * FROM (SELECT h.id, {'h.slug' if has_slug else 'NULL'} AS slug, "
            f"h.history_date, h.history_change_reason, {rank} AS type_rank "
            f"FROM {quote(history)} h "
            # The deletions index's predicate, as it is declared (common.history).
            "WHERE h.history_type = '-' AND h.history_date >= %(since)s "
            # Restored since: an anti-join on the primary key, not NOT IN over the table.
            f"AND NOT EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} t "
            f"WHERE t.{quote(model._meta.pk.column)} = h.id) "
            # In the feed's order within a type, through the deletions index.
            f"ORDER BY h.history_date, h.id LIMIT %(limit)s) AS part_{rank}"
        )
    return " UNION ALL ".join(parts) + " ORDER BY history_date, type_rank, id LIMIT %(limit)s"


def _deletions(models: tuple, since, limit: int) -> list[tuple]:
    """The rows of `_deletions_sql`, their dates converted as the ORM would."""
    date_field = models[0].history.model._meta.get_field("history_date")
    date_column = date_field.get_col(date_field.model._meta.db_table)
    converters = connection.ops.get_db_converters(date_column)
    with connection.cursor() as cursor:
        cursor.execute(
            _deletions_sql(models),
            {"since": connection.ops.adapt_datetimefield_value(since), "limit": limit},
        )
        rows = cursor.fetchall()
    converted = []
    for object_id, slug, deleted_at, reason, rank in rows:
        for convert in converters:
            deleted_at = convert(deleted_at, date_column, connection)
        converted.append((object_id, slug, deleted_at, reason, rank))
    return converted


class DeletedView(APIView):
    """What was deleted or merged away since a moment, for clients that sync
    with `updated_since` and must also drop what is gone."""

    permission_classes = [AllowAny]
    pagination_class = ApiPagination
    http_method_names = ["get", "head", "options"]
    #: The header of an empty page as CSV (`?format=csv`): a record's keys.
    csv_columns = ("type", "id", "slug", "deleted_at", "reason", "merged_into")

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
        names = list(models)
        entries = []
        for object_id, slug, deleted_at, reason, rank in _deletions(
            tuple(models.values()), since, limit
        ):
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
