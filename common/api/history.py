"""Change history over the API: `/api/v1/<type>/<id>/history/` and
`/api/v1/deleted/?since=<timestamp>`.

Both read django-simple-history's tables (common.history), which every
write path fills: the admin, the API, management commands, fixture loads.
"""

import datetime
import decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from .fields import as_id
from .pagination import COUNT_LIMIT, MAX_PAGE_DEPTH, ApiPagination

HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}
# A version's own timestamps: its `date` says when it was written.
UNTRACKED_FIELDS = {"created", "updated"}


def _jsonable(value):
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _changes(record, previous):
    """Every stored field that differs from the version before, the derived
    ones (a transfer's status) included. Not simple-history's diff_against:
    it reads fields through model_to_dict, which skips non-editable fields."""
    if previous is None:
        return []
    changes = []
    for field in sorted(record.tracked_fields, key=lambda field: field.name):
        if field.name in UNTRACKED_FIELDS:
            continue
        old, new = field.value_from_object(previous), field.value_from_object(record)
        if old != new:
            changes.append({"field": field.name, "old": _jsonable(old), "new": _jsonable(new)})
    return changes


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class VersionSerializer(serializers.Serializer):
    history_id = serializers.IntegerField(help_text="The version's own id.")
    date = serializers.DateTimeField(help_text="When the change was made.")
    type = serializers.ChoiceField(choices=list(HISTORY_TYPES.values()))
    user = serializers.CharField(
        allow_null=True,
        help_text=(
            "Who made it: shown to staff only. Null for everyone else (the people who curate "
            "this data can be at risk), and where unknown."
        ),
    )
    change_reason = serializers.CharField(allow_null=True, help_text="Why, where given.")
    changes = ChangeSerializer(many=True, help_text="Fields changed since the version before.")


def history_versions(records, *, show_user: bool):
    """Versions newest first, each with its changes against the one before;
    the editor's username only with `show_user`."""
    ordered = list(records)  # newest first
    return [
        {
            "history_id": record.history_id,
            "date": record.history_date,
            "type": HISTORY_TYPES[record.history_type],
            "user": (
                record.history_user.get_username() if show_user and record.history_user else None
            ),
            "change_reason": record.history_change_reason,
            "changes": _changes(record, ordered[index + 1] if index + 1 < len(ordered) else None),
        }
        for index, record in enumerate(ordered)
    ]


class HistoryMixin:
    """Adds `<id>/history/` to a viewset whose model has a `history`."""

    @extend_schema(
        summary="Every version of this record",
        description=(
            "Newest first: when it was changed, why (where given) and which fields, with "
            "old and new values; staff also see who. Also answers for a deleted record, by id."
        ),
        responses={200: VersionSerializer(many=True)},
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="history", filter_backends=[])
    def history(self, request, *args, **kwargs):
        model = self.get_queryset().model
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            object_id = self.get_object().pk
        except Http404:
            # Deleted records keep their history, read by id.
            object_id = as_id(value)
            if object_id is None or not model.history.filter(id=object_id).exists():
                raise
        records = model.history.filter(id=object_id).select_related("history_user")
        versions = history_versions(
            records.order_by("-history_id"), show_user=request.user.is_staff
        )
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(VersionSerializer(page, many=True).data)


def _tracked_types():
    """API type name → model, for everything the deletions feed reports."""
    from actors.models import Actor
    from sources.models import Source
    from transfers.models import Citation, StatusEvent, System, Transfer

    return {
        "actor": Actor,
        "system": System,
        "transfer": Transfer,
        "status-event": StatusEvent,
        "source": Source,
        "citation": Citation,
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
                enum=["actor", "system", "transfer", "status-event", "source", "citation"],
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
        from common.models import MergeRecord

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
