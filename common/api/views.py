"""The viewset every API endpoint uses.

It adds to DRF's ModelViewSet:
- lookup by id or slug (`/actors/12/` and `/actors/russia/`);
- an `ETag` on every detail response (a hash of the representation, so it
  changes whenever anything shown changes, status history and citations
  included) and `If-None-Match` → 304;
- optimistic concurrency: a write or delete whose `If-Match` no longer
  matches gets 412 and changes nothing. The row is locked (SELECT … FOR
  UPDATE on PostgreSQL) from the check to the write, so two editors can
  never both pass the check;
- every write in one transaction, and the response to a write is the same
  representation (and ETag) a fresh GET would return;
- a request for a record merged into another (see `merged_into_url`)
  answers 308 with the survivor's URL, so old links and ids keep working,
  writes too;
- `<id>/history/`: every version of a record, field by field (see
  common.api.history), also for a record that has been deleted.
"""

import hashlib

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils.module_loading import import_string
from rest_framework import status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from simple_history.utils import update_change_reason

from common.validators import validate_single_line

from .exceptions import PreconditionFailed, RecordMerged
from .fields import record_lookups
from .history import HistoryMixin


def etag_for(data) -> str:
    payload = orjson.dumps(data, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return '"' + hashlib.sha256(payload).hexdigest()[:40] + '"'


def check_filter_references(view):
    """Raise a 400 naming each slug or id filter value of `view`'s request
    that matches no record (see ApiFilterSet.unknown_references)."""
    for backend in view.filter_backends:
        if not hasattr(backend, "get_filterset"):
            continue
        filterset = backend().get_filterset(view.request, view.get_queryset(), view)
        if filterset is not None and filterset.is_valid():
            errors = filterset.unknown_references()
            if errors:
                raise ValidationError(errors)


def _entity_tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


#: A record route's id or slug: anything up to the next slash. DRF's default
#: also stops at a dot, which turns `/records/0.5/` into record 0 in the
#: format "5" (an undocumented 400) instead of a record that is not there.
RECORD_LOOKUP_PATTERN = "[^/]+"


class ApiModelViewSet(HistoryMixin, viewsets.ModelViewSet):
    #: The model field a non-numeric lookup value is matched against; None
    #: for models addressed by id only.
    slug_field: str | None = "slug"
    lookup_value_regex = RECORD_LOOKUP_PATTERN
    #: Detail actions that find their record by id alone (a deleted record has no slug).
    id_only_actions: tuple[str, ...] = ()

    @property
    def path_takes_slug(self) -> bool:
        """Whether this action's path may name the record by its slug (the
        schema types the path's id from it: an integer, or an id or slug)."""
        return bool(self.slug_field) and self.action not in self.id_only_actions

    # --- lookup -------------------------------------------------------------

    def get_object(self):
        # A record is addressed by its id or slug alone: list filters in the
        # query string do not apply to it (and building them costs more than
        # reading the record).
        queryset = self.get_queryset()
        if self.request.method not in SAFE_METHODS and transaction.get_connection().in_atomic_block:
            # Held until the write commits: the If-Match check and the write
            # see the same row. (A no-op on SQLite, which locks the file.)
            # Outside a transaction there is no write to guard: OPTIONS asks
            # for the object as a PUT would, to describe the form.
            queryset = queryset.select_for_update(of=("self",))
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        for lookup in record_lookups(value, self.slug_field):
            try:
                obj = queryset.get(**lookup)
            except queryset.model.DoesNotExist:
                continue
            self.check_object_permissions(self.request, obj)
            return obj
        if (survivor_url := self.merged_into_url()) is not None:
            raise RecordMerged(survivor_url)
        raise Http404(f"No {queryset.model._meta.verbose_name} matches '{value}'.")

    # --- representation and ETag -------------------------------------------

    def representation(self, instance):
        data = self.get_serializer(instance).data
        return data, etag_for(data)

    def fresh_response(self, instance, status_code):
        """The representation a GET would now return, with its ETag."""
        fresh = self.get_queryset().get(pk=instance.pk)
        data, etag = self.representation(fresh)
        headers = {"ETag": etag}
        if status_code == status.HTTP_201_CREATED and "url" in data:
            # str(): the url is DRF's Hyperlink, which WSGI servers refuse in a header.
            headers["Location"] = str(data["url"])
        return Response(data, status=status_code, headers=headers)

    def check_if_match(self, instance):
        header = self.request.headers.get("If-Match")
        if not header:
            return
        tags = _entity_tags(header)
        if "*" in tags:
            return
        _data, etag = self.representation(instance)
        if etag not in tags:
            raise PreconditionFailed()

    # --- actions -------------------------------------------------------------

    def merged_into_url(self) -> str | None:
        """Where a record that is not found under this id or slug now lives,
        if it was merged away: the URL the function named by the
        MERGED_RECORD_URL setting gives for this view, or None.

        A setting, as DRF's EXCEPTION_HANDLER, because merges belong to an
        app above this ground floor (editorial), which common must not
        import; a mixin composed into each viewset where the router is built
        would do the same, but each would be a new class, easy to forget for
        a new viewset and without the docstring DRF shows."""
        resolver = getattr(settings, "MERGED_RECORD_URL", None)
        return import_string(resolver)(self) if resolver else None

    def list(self, request, *args, **kwargs):
        page = self.paginator.paginate_queryset(
            self.filter_queryset(self.get_queryset()), request, view=self, read=self.list_rows
        )
        if not page:
            # A filter naming a record that does not exist (a mistyped slug) is
            # a 400. Checked once nothing matched: only then can the mistake hide.
            check_filter_references(self)
        return self.get_paginated_response(self.page_representations(page))

    def list_rows(self, queryset):
        """What a list page reads of the filtered `queryset` (ApiPagination
        reads the page with it): records, by default."""
        return queryset

    def page_representations(self, page) -> list:
        return self.get_serializer(page, many=True).data

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data, etag = self.representation(instance)
        if etag in _entity_tags(request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def record_change_reason(self, instance):
        """An `X-Change-Reason` header is kept as the why of this change. One
        with a control character (a tab passes HTTP) is a 400, and, as this
        runs in the write's transaction, nothing is written."""
        reason = self.request.headers.get("X-Change-Reason", "").strip()
        if reason:
            try:
                validate_single_line(reason)
            except DjangoValidationError as error:
                raise ValidationError({"X-Change-Reason": error.messages}) from None
            update_change_reason(instance, reason[:100])

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.perform_create(serializer)
            self.record_change_reason(serializer.instance)
        return self.fresh_response(serializer.instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            self.perform_update(serializer)
            self.record_change_reason(serializer.instance)
        return self.fresh_response(serializer.instance, status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_object()
            self.check_if_match(instance)
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)
