"""Old ids and slugs of merged records, answered with the survivor's URL.

Named by the MERGED_RECORD_URL setting and called by every ApiModelViewSet
(common.api.views) when a record is not found: common cannot import this
app, which knows the merges."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from rest_framework.reverse import reverse

from common.api.fields import as_id
from common.api.serializers import detail_view_name

from ..models import MergeRecord


def merged_into_url(view) -> str | None:
    """Where the record `view` was asked for now lives, if it was merged away."""
    value = view.kwargs[view.lookup_url_kwarg or view.lookup_field]
    if "\x00" in value:
        return None
    condition = Q(old_slug=value) if view.slug_field else Q(pk__in=[])
    if (pk := as_id(value)) is not None:
        condition |= Q(old_id=pk)
    model = view.get_queryset().model
    record = (
        MergeRecord.objects.filter(content_type=ContentType.objects.get_for_model(model))
        .filter(condition)
        .order_by("-merged_at", "-id")
        .first()
    )
    if record is None:
        return None
    view_name = detail_view_name(model)
    # Keep what follows the id in the path (e.g. `history/`).
    old_path = reverse(view_name, kwargs={"pk": value})
    suffix = view.request.path[len(old_path) :] if view.request.path.startswith(old_path) else ""
    url = reverse(view_name, kwargs={"pk": record.survivor_id}, request=view.request) + suffix
    query = view.request.META.get("QUERY_STRING")
    return f"{url}?{query}" if query else url
