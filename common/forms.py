"""Form helpers for editors: one text box per date-with-precision."""

from django import forms
from django.core.exceptions import ValidationError

from .dates import format_partial_date, parse_partial_date


class PartialDateFormField(forms.CharField):
    """Accepts "2016", "2016-05" or "2016-05-03" and cleans to (date, precision)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault(
            "help_text", "YYYY, YYYY-MM or YYYY-MM-DD: as precise as the evidence, no more."
        )
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 10, "placeholder": "YYYY-MM"}))
        # parse_partial_date forgives spaces only: "2020\n" is refused, not trimmed.
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text.strip(" "):
            return None
        try:
            return parse_partial_date(text)
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, tuple):
            return format_partial_date(*value)
        return value


class PartialDateFormMixin:
    """Edits each (date, precision) pair of a model through one text field.

    `partial_dates` maps a form field name to the model's (date field,
    precision field); declare the form fields and exclude the model fields.
    """

    partial_dates: dict[str, tuple[str, str]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (date_field, precision_field) in self.partial_dates.items():
            value = getattr(self.instance, date_field)
            if value is not None:
                self.initial.setdefault(
                    name, format_partial_date(value, getattr(self.instance, precision_field))
                )

    def clean(self):
        cleaned = super().clean()
        for name, (date_field, precision_field) in self.partial_dates.items():
            if name in self.errors:
                continue
            value, precision = cleaned.get(name) or (None, "")
            setattr(self.instance, date_field, value)
            setattr(self.instance, precision_field, precision)
        return cleaned

    def _update_errors(self, errors):
        # Model.clean() reports errors against the model's date fields, which
        # are not on the form: show them on the text field that replaced them.
        error_dict = getattr(errors, "error_dict", {})
        for name, model_fields in self.partial_dates.items():
            for field in model_fields:
                if field in error_dict:
                    error_dict.setdefault(name, []).extend(error_dict.pop(field))
        super()._update_errors(errors)
