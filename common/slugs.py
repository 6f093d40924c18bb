"""Slugs that cannot be mistaken for an id.

A record is addressed by its id or its slug (`/actors/12/`, `/actors/russia/`),
and a value of digits is read as an id first: a record whose slug is "12"
could not be reached by it, and `/actors/12/` would be another record. So a
slug is never only digits: a field validator says so in forms and the API,
a CHECK constraint holds it in the database, and generated slugs get a word
appended (`addressable_slug`).

The constraint removes every digit and asks that something is left. That
uses only REPLACE, which SQLite and PostgreSQL both have natively; a regex
(`slug ~ '^[0-9]+$'`) is PostgreSQL's, and on SQLite a function Django
registers on its own connections only, so a raw connection to the file
could not write the table at all.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Replace
from django.db.models.lookups import Exact
from django.utils.deconstruct import deconstructible

_ONLY_DIGITS = re.compile("[0-9]+")


@deconstructible
class SlugNotOnlyDigits:
    """The field validator; `word` is what the message suggests appending
    (the model's name: "2000" → "2000-system")."""

    code = "slug_only_digits"

    def __init__(self, word: str):
        self.word = word

    def __call__(self, value: str) -> None:
        if _ONLY_DIGITS.fullmatch(value):
            raise ValidationError(
                "A slug cannot be only digits: '%(value)s' would be read as the id "
                "%(value)s. Add a word to it, e.g. '%(suggestion)s'.",
                code=self.code,
                params={"value": value, "suggestion": addressable_slug(value, self.word)},
            )

    def __eq__(self, other):
        return isinstance(other, SlugNotOnlyDigits) and other.word == self.word


def _without_digits(field: str):
    expression = models.F(field)
    for digit in "0123456789":
        expression = Replace(expression, models.Value(digit), models.Value(""))
    return expression


def slug_not_only_digits_constraint(field: str = "slug") -> models.CheckConstraint:
    """The database twin of `SlugNotOnlyDigits` (an empty slug is
    left to the field: a transfer's is generated on save)."""
    return models.CheckConstraint(
        condition=models.Q(**{field: ""}) | ~models.Q(Exact(_without_digits(field), "")),
        name=f"%(app_label)s_%(class)s_{field}_not_only_digits",
        violation_error_message="A slug cannot be only digits: it would be read as an id.",
    )


def rename_only_digit_slugs(model, word: str) -> None:
    """Give each stored slug of only digits its word ("12" → "12-actor", or
    "12-actor-2" if that is taken): the data migration that lets the
    constraint be added to a database that holds some. Such a record could
    not be reached by its slug anyway."""
    manager = model._default_manager
    rows = manager.alias(_digitless=_without_digits("slug")).filter(_digitless="").exclude(slug="")
    for pk, slug in rows.values_list("pk", "slug"):
        base = candidate = addressable_slug(slug, word)
        counter = 2
        while manager.filter(slug=candidate).exists():
            candidate, counter = f"{base}-{counter}", counter + 1
        manager.filter(pk=pk).update(slug=candidate)


def addressable_slug(slug: str, word: str) -> str:
    """`slug`, or with `word` appended if it is only digits ("2000" → "2000-system");
    `word` alone if it is empty."""
    if not slug:
        return word
    return f"{slug}-{word}" if _ONLY_DIGITS.fullmatch(slug) else slug
