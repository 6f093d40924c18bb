"""FilterSet pieces every list endpoint shares."""

import datetime

import django_filters
from django import forms
from django.db.models import F
from django_filters.fields import IsoDateTimeField, ModelMultipleChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.search import SearchSpec, search

from .fields import as_id


@extend_schema_field(OpenApiTypes.STR)
class SlugFilter(django_filters.ModelMultipleChoiceFilter):
    """Related records by slug; repeat the parameter for several (OR)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault("distinct", False)
        if kwargs.get("field_name") and not kwargs.get("method"):
            # The predicate is {field_name: record.slug}, so compare slugs.
            kwargs["field_name"] = f"{kwargs['field_name']}__{kwargs['to_field_name']}"
        super().__init__(*args, **kwargs)


class IdsField(ModelMultipleChoiceField):
    """Ids, checked to be whole numbers a database can hold before any lookup."""

    def clean(self, value):
        for item in value or []:
            if as_id(item) is None:
                raise forms.ValidationError(
                    f"'{item}' is not an id (a positive whole number).", code="invalid_id"
                )
        return super().clean(value)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.ModelMultipleChoiceFilter):
    """Related records by id; repeat the parameter for several (OR)."""

    field_class = IdsField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more values of a choice field; repeat the parameter for several (OR)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1000)
        kwargs.setdefault("max_value", 9998)
        super().__init__(*args, **kwargs)


class SearchFilter(django_filters.CharFilter):
    """Free-text search through the search seam (ranked on PostgreSQL)."""

    def __init__(self, spec: SearchSpec, **kwargs):
        self.spec = spec
        kwargs.setdefault("label", "Search")
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


class ApiFilterSet(django_filters.FilterSet):
    updated_since = UtcIsoDateTimeFilter(
        field_name="updated",
        lookup_expr="gte",
        label="Updated since",
        help_text=(
            "Only records created or changed at or after this ISO 8601 timestamp, e.g. "
            "2024-05-01T00:00:00Z (UTC if no offset is given): sync incrementally by "
            "passing the time of your last sync."
        ),
    )

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
