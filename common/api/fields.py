"""Serializer fields for the shapes the whole API shares."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.encoding import smart_str
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from common import dates
from common.dates import DatePrecision, format_partial_date, parse_partial_date

PARTIAL_DATE_PATTERN = f"^{dates.PARTIAL_DATE_PATTERN}$"
MAX_ID = 2**63 - 1


def as_id(text) -> int | None:
    """`text` as a primary key, or None when it cannot be one."""
    text = str(text).strip()
    if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        return int(text)
    return None


def record_lookups(value: str, slug_field: str | None = "slug") -> list[dict]:
    """How to find the record a URL names by `value`: by id, then by slug.

    None for a value no record can have: a null character, which PostgreSQL
    refuses in a query (a 500) and no slug holds."""
    if "\x00" in value:
        return []
    lookups = []
    if (pk := as_id(value)) is not None:
        lookups.append({"pk": pk})
    if slug_field:
        lookups.append({slug_field: value})
    return lookups


@extend_schema_field(
    {
        "type": "string",
        "pattern": PARTIAL_DATE_PATTERN,
        "example": "2016-05",
        "description": (
            "A date as precise as the evidence: YYYY, YYYY-MM or YYYY-MM-DD. "
            '"2016" means some time in 2016, not 1 January 2016; the matching '
            "`*_precision` field says which."
        ),
    }
)
class PartialDateField(serializers.Field):
    """One date-with-precision pair of a model as one ISO 8601 string,
    truncated to its precision: "2016", "2016-05" or "2016-05-03".

    On write the text sets both model fields; null (or "") clears both.
    """

    default_error_messages = {"invalid": "{message}"}

    def __init__(self, date_field, precision_field, **kwargs):
        self.date_field = date_field
        self.precision_field = precision_field
        kwargs["source"] = "*"
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        if data is None or data == "":
            if not self.allow_null:
                self.fail("null")
            return {self.date_field: None, self.precision_field: ""}
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", message="Give the date as text: YYYY, YYYY-MM or YYYY-MM-DD.")
        try:
            value, precision = parse_partial_date(data)
        except ValueError as exc:
            self.fail("invalid", message=str(exc))
        return {self.date_field: value, self.precision_field: precision}

    def to_representation(self, instance):
        return format_partial_date(
            getattr(instance, self.date_field), getattr(instance, self.precision_field)
        )


class PrecisionField(serializers.ChoiceField):
    """The read-only precision beside a `PartialDateField`; null when there is no date."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault(
            "help_text", "How precise the date is: year, month or day; null when undated."
        )
        super().__init__(choices=DatePrecision.choices, **kwargs)

    def to_representation(self, value):
        return value or None


class IdOrSlugRelatedField(serializers.RelatedField):
    """A related object: written as its id or slug, read as a brief object.

    A value made only of digits is looked up as an id first, then as a slug;
    anything else as a slug. The brief object itself (with its `id`) is
    accepted too, so a client can send back what it read.
    """

    default_error_messages = {
        "required": "This field is required.",
        "does_not_exist": "There is no {model} with the {kind} '{value}'.",
        "incorrect_type": "Give an id (a number) or a slug (text), not {data_type}.",
    }

    def __init__(self, brief_serializer=None, slug_field="slug", **kwargs):
        self.brief_serializer = brief_serializer
        self.slug_field = slug_field
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        if isinstance(data, dict):
            # The brief object as read: lets a client send back what it got.
            data = data.get("id", data.get(self.slug_field)) if self.slug_field else data.get("id")
            if data is None:
                self.fail("incorrect_type", data_type="an object without id or slug")
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = str(data).strip()
        if not text:
            self.fail("incorrect_type", data_type="an empty string")
        if "\x00" in text:
            self.fail("incorrect_type", data_type="text with a null character")
        lookups = []
        if (pk := as_id(text)) is not None:
            lookups.append(("id", {"pk": pk}))
        if self.slug_field:
            lookups.append(("slug", {self.slug_field: text}))
        if not lookups:
            self.fail("incorrect_type", data_type="text")
        for _kind, lookup in lookups:
            try:
                return queryset.get(**lookup)
            except (ObjectDoesNotExist, ValueError, TypeError):
                continue
        self.fail(
            "does_not_exist",
            model=queryset.model._meta.verbose_name,
            kind=" or ".join(kind for kind, _lookup in lookups),
            value=smart_str(text),
        )

    def use_pk_only_optimization(self):
        # Shown as its id alone: the id is on the row, no need to read the record.
        return self.brief_serializer is None

    def to_representation(self, value):
        if self.brief_serializer is None:
            return value.pk
        return self._brief.to_representation(value)

    @cached_property
    def _brief(self):
        # One brief serializer per field, not one per value: building a
        # serializer's fields costs more than representing a record with them.
        return self.brief_serializer(context=self.context)

    def get_choices(self, cutoff=None):
        # The brief form is a dict and cannot key the browsable API's <select>.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


class IntermediaryListField(serializers.ListField):
    """An ordered list of related objects stored through a link model with a
    `position`, e.g. the intermediaries of a transfer: the targets
    (`target_attr`), or the links themselves when it is None."""

    def __init__(self, link_attr, target_attr, **kwargs):
        self.link_attr = link_attr
        self.target_attr = target_attr
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        links = getattr(instance, self.link_attr).all()
        if self.target_attr is None:
            return list(links)
        return [getattr(link, self.target_attr) for link in links]


class DetailUrlField(serializers.HyperlinkedIdentityField):
    """A record's detail URL, as DRF's identity field gives it, but reversed
    once per view and request and then filled in with each id: URL reversing
    was a third of a JSON Lines export's time (ten URLs a transfer).

    The URL for an id is the reversed URL of a placeholder id with the id put
    in its place, so it is the same string `reverse()` would give. Anything
    else (no request, a format suffix, an id that is not an int) goes
    through DRF unchanged."""

    #: An id no record has, so its digits occur in no other part of the URL
    #: the resolver builds around it (the last occurrence is the id).
    PLACEHOLDER = MAX_ID

    def get_url(self, obj, view_name, request, format):
        lookup_value = getattr(obj, self.lookup_field)
        if request is None or format or type(lookup_value) is not int:
            return super().get_url(obj, view_name, request, format)
        templates = request.__dict__.setdefault("_detail_url_templates", {})
        key = (view_name, self.lookup_url_kwarg)
        if key not in templates:
            url = self.reverse(
                view_name,
                kwargs={self.lookup_url_kwarg: self.PLACEHOLDER},
                request=request,
                format=format,
            )
            head, _, tail = url.rpartition(str(self.PLACEHOLDER))
            templates[key] = head, tail
        head, tail = templates[key]
        return f"{head}{lookup_value}{tail}"
