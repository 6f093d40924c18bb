"""Serializer bases: the brief nested form, and model writes that run
`full_clean()` (DRF does not) so model rules come back as field errors."""

from collections.abc import Mapping
from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from common.dates import DatePrecision, parse_partial_date

from .fields import DetailUrlField, PartialDateField, PrecisionField


def filtered_list_url(request, view_name, **params) -> str:
    """An API list URL with query parameters, e.g. an actor's transfers."""
    return f"{reverse(view_name, request=request)}?{urlencode(params)}"


def detail_view_name(model) -> str:
    return f"api:{model._meta.model_name}-detail"


# Sent by the browsable API's HTML forms along with the fields.
FORM_ONLY_KEYS = {"csrfmiddlewaretoken"}


class RejectUnknownFieldsMixin:
    """A body naming a field the record does not have is a 400 that names it,
    rather than a write that silently drops it (a typo like `quantitiy`
    would otherwise look like a success). Read-only fields are known: a
    client may send back what it read."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            unknown = [key for key in unknown if key not in FORM_ONLY_KEYS]
            if unknown:
                raise serializers.ValidationError(
                    {key: ["Unknown field: this record has no such field."] for key in unknown}
                )
        return super().to_internal_value(data)


_MISSING = object()


class ApiModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """A model serializer whose `url` is the API detail link and whose
    `display` is the record as a person would name it.

    A date's precision is read-only (the date's form sets it), but a client
    may send it back as read; one that is not a precision, or contradicts
    the date, is a 400 rather than silently ignored."""

    serializer_url_field = DetailUrlField
    display = serializers.SerializerMethodField()

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = self._precision_errors(data)
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _precision_errors(self, data) -> dict:
        errors = {}
        for date_name, date_field in self.fields.items():
            if not isinstance(date_field, PartialDateField):
                continue
            name = next(
                (
                    name
                    for name, field in self.fields.items()
                    if isinstance(field, PrecisionField)
                    and field.source == date_field.precision_field
                ),
                None,
            )
            if name is None or name not in data:
                continue
            sent = data[name] or None
            if sent is not None and sent not in DatePrecision.values:
                errors[name] = [f"'{sent}' is not a precision: year, month, day or null."]
                continue
            date = data.get(date_name, _MISSING)
            if date is _MISSING:
                expected = getattr(self.instance, date_field.precision_field, "") or None
            elif date in (None, ""):
                expected = None
            else:
                try:
                    expected = parse_partial_date(date)[1]
                except ValueError:
                    continue  # the date field reports it
            if sent != expected:
                errors[name] = [
                    f"The precision follows `{date_name}` ({expected or 'no date'}): write the "
                    "date as YYYY, YYYY-MM or YYYY-MM-DD to set it."
                ]
        return errors

    def build_url_field(self, field_name, model_class):
        return self.serializer_url_field, {"view_name": detail_view_name(model_class)}

    @extend_schema_field(OpenApiTypes.STR)
    def get_display(self, obj) -> str:
        return str(obj)


class BriefSerializer(ApiModelSerializer):
    """The brief nested form of a record: enough to show and follow it
    (id, url, display and, where the model has them, slug and name)."""


class FullCleanModelSerializer(ApiModelSerializer):
    """Creates and updates through `full_clean()` then `save()`, so the same
    rules guard the admin and the API. A broken rule raises Django's
    ValidationError, which the API's exception handler (common.api.exceptions)
    turns into a 400 keyed by this serializer's field names, not a 500."""

    def create(self, validated_data):
        instance = self.Meta.model(**validated_data)
        self.clean_and_save(instance)
        return instance

    def update(self, instance, validated_data):
        for attr, value in validated_data.items():
            setattr(instance, attr, value)
        self.clean_and_save(instance)
        return instance

    def clean_and_save(self, instance):
        instance.full_clean()
        instance.save()
