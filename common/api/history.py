"""Change history over the API: `/api/v1/<type>/<id>/history/`.

It reads django-simple-history's tables (common.history), which every
write path fills: the admin, the API, management commands, fixture loads.
(The feed of deletions, `/api/v1/deleted/`, reads them too: editorial.api.)
"""

import datetime
import decimal

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from .fields import as_id

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
