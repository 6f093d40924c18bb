"""FilterSet pieces every list endpoint shares."""

import datetime
import re
from dataclasses import dataclass

import django_filters
from django import forms
from django.db.models import F, Q
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.search import (
    MAX_SEARCH_LENGTH,
    MAX_SEARCH_TERMS,
    RANK_LIMIT,
    SearchSpec,
    search,
    search_terms,
)

from .fields import as_id


@dataclass(frozen=True)
class References:
    """The values of a slug or id filter, checked for form but not looked up."""

    to_field: str  # "slug" or "pk"
    values: tuple

    def q(self, path: str) -> Q:
        """Rows whose relation `path` points at one of these records."""
        return Q(**{f"{path}__{self.to_field}__in": self.values})


class ReferencesField(forms.Field):
    """Repeated query values naming records by slug or by id.

    Nothing is queried here: a list page must not spend a query per filter
    on checking that the records exist. The view checks only when nothing
    matched, the one case where a mistyped slug would otherwise go unnoticed
    (see ApiFilterSet.unknown_references)."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *, to_field, **kwargs):
        self.to_field = to_field
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        items = [str(item).strip() for item in value or [] if str(item).strip()]
        if not items:
            return None
        cleaned = []
        for item in items:
            if self.to_field == "pk":
                if as_id(item) is None:
                    raise forms.ValidationError(
                        f"'{item}' is not an id (a positive whole number).", code="invalid_id"
                    )
                cleaned.append(as_id(item))
            elif "\x00" in item:
                raise forms.ValidationError("A slug cannot hold a null character.")
            else:
                cleaned.append(item)
        return References(self.to_field, tuple(dict.fromkeys(cleaned)))


class ReferenceFilter(django_filters.Filter):
    """Rows related to records named by slug or id; repeat for several (OR)."""

    field_class = ReferencesField

    def __init__(self, *, queryset, to_field, **kwargs):
        self.queryset = queryset
        super().__init__(**kwargs)
        self.extra["to_field"] = to_field

    def filter(self, qs, value):
        if value is None:
            return qs
        if self.method is not None:
            return self.method(qs, self.field_name, value)
        return qs.filter(value.q(self.field_name))

    def unknown(self, value: References) -> list:
        """The values that name no record."""
        field = value.to_field
        known = set(
            self.queryset.filter(**{f"{field}__in": value.values}).values_list(field, flat=True)
        )
        return [item for item in value.values if item not in known]


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(ReferenceFilter):
    """Related records by slug; repeat the parameter for several (OR)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field="slug", **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(ReferenceFilter):
    """Related records by id; repeat the parameter for several (OR)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, to_field="pk", **kwargs)


def reference_filters(
    field_name: str, queryset, label: str, *, slug_help: str, id_help: str, method=None
) -> tuple[SlugFilter, IdFilter]:
    """The two filters of one relation, declared once: `<name>` takes slugs and
    `<name>_id` ids (unpack them as `related, related_id = reference_filters(...)`).
    Both narrow `field_name` (or call `method`), and are labelled "<label> (slug)"
    and "<label> (id)" in the OpenAPI schema."""
    shared = {"field_name": field_name, "queryset": queryset, "method": method}
    return (
        SlugFilter(**shared, label=f"{label} (slug)", help_text=slug_help),
        IdFilter(**shared, label=f"{label} (id)", help_text=id_help),
    )


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more values of a choice field; repeat the parameter for several (OR)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class YearField(forms.IntegerField):
    """A year as four ASCII digits. Not int()'s reading, which takes any
    Unicode digit ("２０１６") and whitespace around it ("2016\n")."""

    def to_python(self, value):
        if value not in self.empty_values and not re.fullmatch("[0-9]{4}", str(value)):
            raise forms.ValidationError(
                "Give a year as four digits 0-9, e.g. 2016.", code="invalid"
            )
        return super().to_python(value)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """`true` or `false`, nothing else: django-filter's BooleanFilter reads
    any other value as "not given" and silently ignores the filter."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.NumberFilter):
    field_class = YearField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1000)
        kwargs.setdefault("max_value", 9998)
        super().__init__(*args, **kwargs)


class SearchField(forms.CharField):
    """Search text of at most MAX_SEARCH_LENGTH characters and MAX_SEARCH_TERMS words."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_SEARCH_LENGTH)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        count = len(search_terms(value or ""))
        if count > MAX_SEARCH_TERMS:
            raise forms.ValidationError(
                f"A search takes at most {MAX_SEARCH_TERMS} words; this one has {count}.",
                code="too_many_terms",
            )


class SearchFilter(django_filters.CharFilter):
    """Free-text search through the search seam (ranked on PostgreSQL)."""

    field_class = SearchField

    def __init__(self, spec: SearchSpec, **kwargs):
        self.spec = spec
        kwargs.setdefault("label", "Search")
        kwargs["help_text"] = (
            f"{kwargs.get('help_text', '')} At most {MAX_SEARCH_TERMS} words and "
            f"{MAX_SEARCH_LENGTH} characters (more is a 400). Results are ranked when at "
            f"most {RANK_LIMIT:,} match; beyond that they come in the default order "
            "(ranking would read every match)."
        ).strip()
        super().__init__(**kwargs)

    def filter(self, qs, value):
        return search(qs, value, self.spec)


class StableOrderingFilter(django_filters.OrderingFilter):
    """`ordering=a,-b`. Empty values sort last either way on every database
    (PostgreSQL and SQLite disagree by default), and the id breaks ties so
    pages never overlap."""

    def filter(self, qs, value):
        value = [param for param in value or [] if param]
        if not value:
            return qs
        ordering = []
        for param in value:
            name = self.get_ordering_value(param)
            field = F(name.removeprefix("-"))
            ordering.append(
                field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "pk")


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """An aware timestamp in UTC. PostgreSQL refuses a UTC offset beyond
    ±15:59 that Python accepts (`-19:09`), so no offset reaches it; a
    timestamp that leaves the years 1-9999 on the way is invalid input."""
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise forms.ValidationError(
            "This timestamp is out of range once converted to UTC.", code="invalid"
        ) from None


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        return as_utc(value) if value is not None and value.tzinfo is not None else value


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 timestamp, compared in UTC."""

    field_class = UtcIsoDateTimeField


def updated_since_filter(
    field_name: str = "updated", changed: str = "created or changed"
) -> UtcIsoDateTimeFilter:
    """The incremental-sync filter on the model's last-change timestamp
    (`created` for records that never change)."""
    return UtcIsoDateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        label="Updated since",
        help_text=(
            f"Only records {changed} at or after this ISO 8601 timestamp, e.g. "
            "2024-05-01T00:00:00Z (UTC if no offset is given): sync incrementally by "
            "passing the time of your last sync."
        ),
    )


class ApiFilterSet(django_filters.FilterSet):
    updated_since = updated_since_filter()

    def unknown_references(self) -> dict[str, list[str]]:
        """Error messages for slugs and ids that name no record, by parameter
        (one query per reference filter in use)."""
        errors = {}
        for name, value in self.form.cleaned_data.items():
            flt = self.filters[name]
            if isinstance(flt, ReferenceFilter) and value is not None:
                kind = "id" if value.to_field == "pk" else "slug"
                model = flt.queryset.model._meta.verbose_name
                unknown = flt.unknown(value)
                if unknown:
                    errors[name] = [f"There is no {model} with the {kind} '{i}'." for i in unknown]
        return errors

    def filter_queryset(self, queryset):
        # Ordering last, so an explicit `ordering` wins over search ranking.
        ordering = self.form.cleaned_data.get("ordering")
        for name, value in self.form.cleaned_data.items():
            if name == "ordering":
                continue
            queryset = self.filters[name].filter(queryset, value)
        if "ordering" in self.filters:
            queryset = self.filters["ordering"].filter(queryset, ordering)
        return queryset


def ordering_filter(fields: dict[str, str], default: str) -> StableOrderingFilter:
    """`fields` maps a model path to its public name."""
    names = ", ".join(f"`{name}`" for name in fields.values())
    return StableOrderingFilter(
        fields=fields,
        label="Ordering",
        help_text=(
            f"Sort by {names}; prefix `-` for descending, separate several with commas "
            f"(e.g. `-{next(iter(fields.values()))}`). Default: {default}."
        ),
    )
