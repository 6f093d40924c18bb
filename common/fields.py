"""Model fields shared by the apps."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from .validators import validate_single_line

LINE_BREAK = re.compile(r"\r\n|\r|\n")


def validate_aliases(value):
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Aliases must be a list of names.")
    if any(not item.strip() for item in value):
        raise ValidationError("An alias cannot be empty.")
    for item in value:
        validate_single_line(item)
    folded = [item.strip().casefold() for item in value]
    if len(set(folded)) != len(folded):
        raise ValidationError("An alias is listed twice.")


class AliasesFormField(forms.CharField):
    """Edits a list of names as a textarea, one name a line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def __init__(self, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        kwargs.setdefault("help_text", "Other names and spellings, one per line.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        # Split at the line breaks a browser sends, not at every character
        # str.splitlines() takes for one (\x0b, \x1c, \x85, U+2028 …): those
        # stay in the alias, and validate_aliases refuses them.
        return [line.strip() for line in LINE_BREAK.split(text) if line.strip()]

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


class AliasesField(models.JSONField):
    """Other names and spellings of a record, stored as a JSON list of strings
    so that SQLite and PostgreSQL both hold and search it (icontains over the
    JSON text)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("validators", [validate_aliases])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("default") is list:
            del kwargs["default"]
        if kwargs.get("blank") is True:
            del kwargs["blank"]
        if kwargs.get("validators") == [validate_aliases]:
            del kwargs["validators"]
        return name, path, args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": AliasesFormField, **kwargs})
