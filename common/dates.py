"""Dates that carry their precision: "2016" is a year, not 1 January 2016.

A partial date is stored as two columns, a `DateField` holding the first day
of the period and a precision (year / month / day). These helpers keep the
pair consistent in forms (`clean_partial_date`) and in the database
(`partial_date_constraints`), and render it as ISO 8601 truncated to the
precision ("2016", "2016-05", "2016-05-03").
"""

import datetime
import re

from django.db import models


class DatePrecision(models.TextChoices):
    YEAR = "year", "Year"
    MONTH = "month", "Month"
    DAY = "day", "Day"


# ASCII digits only: `\d` and int() take any Unicode digit ("２０２０"). Matched
# with fullmatch, as `$` matches before a final newline.
PARTIAL_DATE_PATTERN = "[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
_PARTIAL_DATE_RE = re.compile(PARTIAL_DATE_PATTERN)


def truncate_to_precision(value: datetime.date, precision: str) -> datetime.date:
    """The first day of the period that `value` falls in at `precision`."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def format_partial_date(value: datetime.date | None, precision: str) -> str | None:
    """ISO 8601 text truncated to the precision: "2016", "2016-05" or "2016-05-03"."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def parse_partial_date(text: str) -> tuple[datetime.date, str]:
    """Parse "2016", "2016-05" or "2016-05-03" into (first day, precision).

    Spaces around the date are forgiven; any other character (a newline, a
    tab, a digit that is not ASCII) raises ValueError with a readable message,
    as does anything else.
    """
    stripped = text.strip(" ") if isinstance(text, str) else None
    if stripped is None or not _PARTIAL_DATE_RE.fullmatch(stripped):
        raise ValueError(
            f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD "
            "(in the digits 0-9, with nothing else around it)."
        )
    year, month, day = [*map(int, stripped.split("-")), None, None][:3]
    try:
        value = datetime.date(year, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"'{stripped}' is not a valid date: {exc}.") from None
    if day:
        return value, DatePrecision.DAY
    if month:
        return value, DatePrecision.MONTH
    return value, DatePrecision.YEAR


def clean_partial_date(instance, date_field: str, precision_field: str) -> dict:
    """Validate and normalise one date/precision pair on a model instance.

    Returns a dict of field errors (empty when valid). A date entered at a
    coarser precision is moved to the first day of its period, so that
    "May 2016" is always stored as 2016-05-01.
    """
    value = getattr(instance, date_field)
    precision = getattr(instance, precision_field)
    if value is None and precision:
        return {date_field: "Give a date, or clear its precision."}
    if value is not None and not precision:
        return {precision_field: "Say whether the date is exact to the year, month or day."}
    if value is not None:
        setattr(instance, date_field, truncate_to_precision(value, precision))
    return {}


def partial_date_constraints(prefix: str, date_field: str, precision_field: str) -> list:
    """Database rule for a date/precision pair: both set or both empty.

    The first-day-of-period rule stays in `clean_partial_date`: extracting
    the month in a CHECK needs a Django-registered function on SQLite, which
    a raw connection to the file would not have.
    """
    precisions = [choice.value for choice in DatePrecision]
    return [
        models.CheckConstraint(
            condition=(
                models.Q(**{f"{date_field}__isnull": True, precision_field: ""})
                | models.Q(**{f"{date_field}__isnull": False, f"{precision_field}__in": precisions})
            ),
            name=f"{prefix}_{date_field}_has_precision",
        ),
    ]


_PREFIX_LENGTH = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7, DatePrecision.DAY: 10}


def partial_dates_in_order(start, start_precision, end, end_precision) -> bool:
    """Whether an end date is not before a start date, each read at its precision.

    "2016" (the whole year) does not end before "2016-05": the end is compared
    with the start truncated to the end's precision.
    """
    if start is None or end is None:
        return True
    length = _PREFIX_LENGTH[end_precision]
    return end.isoformat()[:length] >= start.isoformat()[:length]


def partial_date_order_constraint(name, start_field, end_field, end_precision_field):
    """The database twin of `partial_dates_in_order`.

    ISO date text compares like the date, so comparing the first 4, 7 or 10
    characters compares at year, month or day precision, with functions that
    SQLite and PostgreSQL both have natively.
    """
    from django.db.models.functions import Cast, Substr
    from django.db.models.lookups import GreaterThanOrEqual

    def prefix(field, length):
        return Substr(Cast(field, models.CharField(max_length=10)), 1, length)

    condition = models.Q(**{f"{start_field}__isnull": True}) | models.Q(
        **{f"{end_field}__isnull": True}
    )
    for precision, length in _PREFIX_LENGTH.items():
        condition |= models.Q(
            models.Q(**{end_precision_field: precision}),
            GreaterThanOrEqual(prefix(end_field, length), prefix(start_field, length)),
        )
    return models.CheckConstraint(condition=condition, name=name)
