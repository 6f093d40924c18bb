"""Pagination for every list: numbered pages, or a cursor for walking far.

Numbered pages (`page`, `page_size`) never count a whole table: the count
is exact up to COUNT_LIMIT rows and otherwise a lower bound, flagged by
`count_is_exact: false` (as search engines report "10,000+"). A page is
fetched with one extra row to know whether another follows, so most
requests need no count query at all.

Deep pages cost an OFFSET scan. For walking a large result, `cursor`
(empty for the first page, then the `next` link) pages by keyset: it
continues after the last row's sort values, so every page costs the same
and rows added or removed meanwhile never make a row appear twice or be
skipped. A cursor works with any `ordering`; it is tied to the ordering it
was made for. A cursor is the client's to edit, so each value in it is
checked against the type of the key it stands for before it reaches a query.
"""

import base64
import binascii
import datetime
import decimal
import hashlib

import orjson
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import F, FloatField, Q, QuerySet, Value
from django.db.models.expressions import OrderBy
from django.db.models.functions import Cast, Coalesce
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common import search

from .fields import MAX_ID, as_id

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
COUNT_LIMIT = 10_000
#: Numbered pages reach no further than this many rows: a deeper OFFSET reads
#: and drops every row before it, so its cost grows without bound. Past it,
#: `cursor` pages cost the same however deep.
MAX_PAGE_DEPTH = COUNT_LIMIT
CURSOR_PREFIX = "_cursor_"
MIN_INTEGER = -(2**63)


# --- sort keys ---------------------------------------------------------------------


def _never_null(model, expression) -> bool:
    """Whether `expression` (a sort key of `model`) can never be NULL."""
    if isinstance(expression, Coalesce):
        last = expression.get_source_expressions()[-1]
        return isinstance(last, Value) and last.value is not None
    if not isinstance(expression, F):
        return False
    opts = model._meta
    for part in expression.name.split("__"):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:  # an annotation, such as a search rank
            return False
        if field.null:
            return False
        if not field.is_relation:
            return True
        opts = field.related_model._meta
    return True


def sort_terms(queryset: QuerySet) -> list[OrderBy]:
    """The queryset's ordering as explicit terms (NULLs last unless a term
    says otherwise), ending with the primary key so that the order is total."""
    terms = []
    for item in queryset.query.order_by or queryset.model._meta.ordering:
        if isinstance(item, str):
            descending = item.startswith("-")
            name = item.lstrip("-")
            item = OrderBy(F("pk" if name == "id" else name), descending=descending)
        elif not isinstance(item, OrderBy):
            item = OrderBy(item)
        if not (item.nulls_first or item.nulls_last):
            item = OrderBy(item.expression, descending=item.descending, nulls_last=True)
        terms.append(item)
        if isinstance(item.expression, F) and item.expression.name in ("pk", "id"):
            return terms  # the rest cannot change the order
    terms.append(OrderBy(F("pk")))
    return terms


def _after(name: str, term: OrderBy, value):
    """Rows whose key `name` sorts strictly after `value` under `term`;
    None when no row can."""
    if value is None:
        return Q(**{f"{name}__isnull": False}) if term.nulls_first else None
    condition = Q(**{f"{name}__{'lt' if term.descending else 'gt'}": value})
    if term.nulls_last:
        condition |= Q(**{f"{name}__isnull": True})
    return condition


def _equal(name: str, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def keyset_condition(model, names: list[str], terms: list[OrderBy], values: list) -> Q:
    """Rows after the row whose sort keys are `values`, in the order of `terms`:
    (k1 after v1) or (k1 = v1 and k2 after v2) or …"""
    condition = Q(pk__in=[])
    equal_so_far = Q()
    for name, term, value in zip(names, terms, values, strict=True):
        after = _after(name, term, value)
        if after is not None:
            condition |= equal_so_far & after
        equal_so_far &= _equal(name, value)
    first_term, first_value = terms[0], values[0]
    if first_value is not None and _never_null(model, first_term.expression):
        # Redundant, but a plain range on the leading key is what lets the
        # database start an index scan at the cursor instead of the beginning.
        lookup = "lte" if first_term.descending else "gte"
        condition &= Q(**{f"{names[0]}__{lookup}": first_value})
    return condition


# --- cursor tokens -----------------------------------------------------------------


def _encode_value(value):
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    return value


class _Invalid(Exception):
    """A cursor value that is not of its sort key's type."""


def _typed(expected, value):
    # bool is an int to Python, never a number or an id here.
    if isinstance(value, bool) != (expected is bool) or not isinstance(value, expected):
        raise _Invalid
    return value


def _tagged(kind: str, value) -> str:
    if not (isinstance(value, dict) and len(value) == 1 and isinstance(value.get(kind), str)):
        raise _Invalid
    return value[kind]


def _timestamp(value):
    moment = datetime.datetime.fromisoformat(_tagged("dt", value))
    if moment.tzinfo is None:
        raise _Invalid  # every timestamp is stored aware; a naive one was made up
    # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
    return moment.astimezone(datetime.UTC)


def _date(value):
    return datetime.date.fromisoformat(_tagged("d", value))


def _decimal(value):
    number = decimal.Decimal(_tagged("n", value))
    # Finite and of a size a column can hold (PostgreSQL refuses 1e999999).
    if not number.is_finite() or abs(number.adjusted()) > 100:
        raise _Invalid
    return number


def _integer(value):
    # An id, a count or a quantity: within a bigint, as the database holds it.
    if not MIN_INTEGER <= _typed(int, value) <= MAX_ID:
        raise _Invalid
    return value


def _float(value):
    return float(_typed(int | float, value))


def _text(value):
    if "\x00" in _typed(str, value):
        raise _Invalid  # PostgreSQL refuses the query outright
    return value


def _key_decoder(field):
    """How to read a cursor value back for a sort key whose type is `field`.

    Each sort key's value is checked against the key's type, so a tampered
    cursor is a 400 here, not a database error when the page is read."""
    while field.is_relation:
        field = field.target_field
    for kind, decoder in (
        (models.DateTimeField, _timestamp),
        (models.DateField, _date),
        (models.DecimalField, _decimal),
        (models.IntegerField, _integer),
        (models.FloatField, _float),
        (models.BooleanField, lambda value: _typed(bool, value)),
        (models.CharField | models.TextField, _text),
    ):
        if isinstance(field, kind):
            return decoder
    return lambda value: field.get_prep_value(field.to_python(value))


def _ordering_signature(queryset, terms) -> str:
    text = f"{queryset.model._meta.label}|" + "|".join(map(str, terms))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def encode_cursor(signature: str, values: list) -> str:
    payload = orjson.dumps({"o": signature, "v": [_encode_value(v) for v in values]})
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(token: str, signature: str, key_fields: list) -> list:
    """The sort key values in `token`, each checked against the type of its
    key (`key_fields`, the output fields of the sort keys)."""
    invalid = ValidationError(
        {"cursor": ["Invalid cursor: start with an empty `cursor` and follow the `next` links."]}
    )
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        signed, values = payload.get("o"), payload["v"]
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError):
        raise invalid from None
    if signed != signature:
        message = "This cursor was made for another ordering; start again from the first page."
        raise ValidationError({"cursor": [message]})
    if not isinstance(values, list) or len(values) != len(key_fields):
        raise invalid
    try:
        return [
            None if value is None else _key_decoder(field)(value)
            for field, value in zip(key_fields, values, strict=True)
        ]
    except (_Invalid, DjangoValidationError, ValueError, TypeError, OverflowError):
        raise invalid from None


# --- the paginator -----------------------------------------------------------------


def _as_they_are(queryset):
    return queryset


def _keyed(queryset) -> bool:
    """Whether each row of `queryset` is one record, found by its key (not a
    group of an aggregate, nor a DISTINCT row)."""
    return (
        isinstance(queryset, QuerySet)
        and queryset.query.group_by is None
        and not queryset.query.distinct
    )


def _get(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


class ApiPagination(BasePagination):
    """Numbered pages of 50 results (up to 500 with `page_size`), or a cursor."""

    page_query_param = "page"
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None, read=None):
        """A page of `queryset`, the filtered records, as `read(queryset)`
        reads them (all of them, as they are, by default; TransferViewSet
        reads plain rows with its parties' columns). The count and a deep
        page's keys come from `queryset` itself, without the joins those
        columns bring."""
        self.request = request
        self.read = _as_they_are if read is None else read
        self.page_size = self.get_page_size(request)
        self.previous_url = self.next_url = None
        self.matches = None
        if isinstance(queryset, QuerySet) and search.is_ranked(queryset):
            # Ranking reads every match: count them first (capped, the count a
            # numbered page needs anyway) and rank only if they are few.
            self.matches = self.capped_count(queryset)
            queryset = search.unranked_if_many(queryset, self.matches)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor is not None:
            if not isinstance(queryset, QuerySet):
                raise ValidationError({"cursor": ["This list has numbered pages only."]})
            return self._cursor_page(self.read(queryset), cursor.strip())
        return self._numbered_page(queryset, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return DEFAULT_PAGE_SIZE
        size = as_id(raw)
        if not size:  # zero is not a size either
            raise ValidationError(
                {self.page_size_query_param: [f"'{raw}' is not a positive whole number."]}
            )
        return min(size, MAX_PAGE_SIZE)

    # --- numbered pages ------------------------------------------------------------

    def _numbered_page(self, queryset, view):
        raw = self.request.query_params.get(self.page_query_param) or "1"
        number = as_id(raw)
        if not number:  # pages start at 1
            raise ValidationError(
                {self.page_query_param: [f"'{raw}' is not a page number (1, 2, …)."]}
            )
        offset = (number - 1) * self.page_size
        if offset + self.page_size > MAX_PAGE_DEPTH:
            deepest = max(MAX_PAGE_DEPTH // self.page_size, 1)
            raise ValidationError(
                {
                    self.page_query_param: [
                        f"Numbered pages reach the first {MAX_PAGE_DEPTH:,} results (page "
                        f"{deepest} at {self.page_size} a page). To go further, page with "
                        "`cursor=` (empty for the first page, then follow `next`)."
                    ]
                }
            )
        rows = list(self._rows(queryset, self.read, offset, self.page_size + 1))
        has_next = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if number > 1 and not rows:
            raise NotFound("Invalid page: there are fewer results than that.")
        # A view may count something cheaper with as many rows (see FlowListView).
        counted = getattr(view, "count_queryset", None)
        if counted is None:
            counted = queryset
        self.count, self.count_is_exact = self._count(
            counted, offset, len(rows), has_next, self.matches
        )
        url = self.request.build_absolute_uri()
        if has_next:
            self.next_url = replace_query_param(url, self.page_query_param, number + 1)
        if number == 2:
            self.previous_url = remove_query_param(url, self.page_query_param)
        elif number > 2:
            self.previous_url = replace_query_param(url, self.page_query_param, number - 1)
        return rows

    @staticmethod
    def _rows(queryset, read, offset, size):
        """`size` rows of `queryset` from `offset`, as `read` reads them.

        An OFFSET reads and drops every row before the page, with all its
        columns: at 100,000 transfers page 100 joined the parties of 10,001
        rows and ran the package subqueries for each (43 ms). Past the first
        page, the page's keys are found first in `queryset` alone (its order
        from an index, no joins), and only those rows are read in full."""
        if not offset or not _keyed(queryset):
            return read(queryset)[offset : offset + size]
        keys = queryset.values("pk")[offset : offset + size]
        return read(queryset.filter(pk__in=keys))[:size]

    @classmethod
    def _count(cls, queryset, offset, on_page, has_next, matches=None):
        """`matches`: the capped count, if it was already made."""
        if not has_next:
            return offset + on_page, True  # this page is the last one
        if offset + on_page >= COUNT_LIMIT:
            return offset + on_page + 1, False
        if not isinstance(queryset, QuerySet):
            # A list may stop at COUNT_LIMIT + 1 rows (the deletions feed does).
            if len(queryset) > COUNT_LIMIT:
                return COUNT_LIMIT, False
            return len(queryset), True
        counted = cls.capped_count(queryset) if matches is None else matches
        if counted > COUNT_LIMIT:
            return COUNT_LIMIT, False
        return counted, True

    @staticmethod
    def capped_count(queryset) -> int:
        """The number of rows, up to COUNT_LIMIT + 1 (more means "over")."""
        unordered = queryset.order_by()
        if _keyed(unordered):
            # Only the key: no joins or expressions the count does not need.
            # (Not for aggregates or DISTINCT, whose rows are groups.)
            unordered = unordered.values("pk")
        return unordered[: COUNT_LIMIT + 1].count()

    # --- cursor --------------------------------------------------------------------

    def _cursor_page(self, queryset, token):
        terms = sort_terms(queryset)
        names = [f"{CURSOR_PREFIX}{index}" for index in range(len(terms))]
        signature = _ordering_signature(queryset, terms)
        keys = {name: term.expression for name, term in zip(names, terms, strict=True)}
        resolved = queryset.annotate(**keys).query.annotations
        for name in names:
            if isinstance(resolved[name].output_field, FloatField):
                # A search rank is a 4-byte float; compared with the 8-byte value
                # read back, equal ranks would not be equal. Read it as 8 bytes.
                keys[name] = Cast(keys[name], FloatField())
        queryset = queryset.annotate(**keys).order_by(*terms)
        if token:
            key_fields = [resolved[name].output_field for name in names]
            values = decode_cursor(token, signature, key_fields)
            queryset = queryset.filter(keyset_condition(queryset.model, names, terms, values))
        rows = list(queryset[: self.page_size + 1])
        has_next = len(rows) > self.page_size
        rows = rows[: self.page_size]
        self.count = self.count_is_exact = None
        if has_next:
            last = [_get(rows[-1], name) for name in names]
            self.next_url = replace_query_param(
                self.request.build_absolute_uri(),
                self.cursor_query_param,
                encode_cursor(signature, last),
            )
        return rows

    # --- response and schema -------------------------------------------------------

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_exact": self.count_is_exact,
                "next": self.next_url,
                "previous": self.previous_url,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_is_exact", "next", "previous", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "nullable": True,
                    "description": (
                        f"Number of results: exact up to {COUNT_LIMIT:,}, beyond that a lower "
                        "bound (see `count_is_exact`). Null with `cursor`."
                    ),
                    "example": 123,
                },
                "count_is_exact": {
                    "type": "boolean",
                    "nullable": True,
                    "description": (
                        "False when `count` is only a lower bound (there are at least that "
                        "many results). Null with `cursor`."
                    ),
                },
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page (numbered, or by cursor); null on the last.",
                },
                "previous": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The previous numbered page; always null with `cursor`.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Page number, from 1. Not a positive whole number: 400. A page past "
                    f"the last one: 404. Pages reach the first {MAX_PAGE_DEPTH:,} results "
                    "(page × page_size); a deeper page is a 400: to walk a long result, "
                    "use `cursor`."
                ),
                "schema": {"type": "integer", "minimum": 1, "default": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Results per page: {DEFAULT_PAGE_SIZE} by default, at most "
                    f"{MAX_PAGE_SIZE} (a larger value is capped)."
                ),
                "schema": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PAGE_SIZE,
                    "default": DEFAULT_PAGE_SIZE,
                },
            },
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Keyset pagination for walking a whole result: pass it empty for the "
                    "first page, then follow `next`. Every page costs the same however "
                    "deep, and each row comes exactly once. Tied to the `ordering` it was "
                    "made with; `page` is ignored and `count` is null. An edited cursor: 400."
                ),
                "schema": {"type": "string"},
            },
        ]
