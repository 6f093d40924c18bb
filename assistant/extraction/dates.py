"""Dates in a sentence, with the precision the text gives them.

"On Feb. 12, 2024" is a day, "in March and April 2022" a month (the first
one), "in 2010" a year, "the spring of 2022" a year too (a season is no
month). Relative dates ("last December", "earlier this week") can only be
worked out from the document's own date: with one they are resolved and
marked inferred, without one they are reported as text with no date.
"""

import datetime
import re
from dataclasses import dataclass

from common.dates import DatePrecision

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH_NAMES = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_MONTH = rf"(?:{_MONTH_NAMES})\.?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MONTH_DAY_YEAR = re.compile(
    rf"\b(?P<month>{_MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>{_YEAR})\b"
)
_DAY_MONTH_YEAR = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH})\s+(?P<year>{_YEAR})\b"
)
_ISO = re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b")
_MONTH_YEAR = re.compile(
    rf"\b(?P<month>{_MONTH})(?:\s+(?:and|or|to|-|–)\s+{_MONTH})*,?\s+(?:of\s+)?(?P<year>{_YEAR})\b"
)
_BARE_YEAR = re.compile(rf"(?<![\d$.,-])\b(?P<year>{_YEAR})\b(?!\s*(?:percent|%)|[-\d])")
_RELATIVE = re.compile(
    r"\b(?:last|earlier this|this|next)\s+(?P<unit>week|month|year|"
    rf"{_MONTH_NAMES}|{'|'.join(_WEEKDAYS)})\b|\b(?P<yesterday>yesterday)\b|"
    rf"\bon\s+(?P<weekday>{'|'.join(_WEEKDAYS)})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    """A date in the text: where, what it says, and what it resolves to."""

    start: int
    end: int
    text: str
    date: datetime.date | None
    precision: str
    inferred: bool


def _month_number(word: str) -> int:
    return _MONTHS[word[:3].lower()]


def _safe_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _absolute_dates(text: str, start: int, end: int) -> list[FoundDate]:
    """Stated dates, most precise first where two cover the same words."""
    found: list[FoundDate] = []
    taken: list[tuple[int, int]] = []

    def add(match: re.Match, value: datetime.date | None, precision: str) -> None:
        begin, finish = match.span()
        if value is None or any(begin < b and a < finish for a, b in taken):
            return
        taken.append((begin, finish))
        found.append(FoundDate(begin, finish, match.group(), value, precision, False))

    for pattern in (_MONTH_DAY_YEAR, _DAY_MONTH_YEAR):
        for match in pattern.finditer(text, start, end):
            value = _safe_date(int(match["year"]), _month_number(match["month"]), int(match["day"]))
            add(match, value, DatePrecision.DAY)
    for match in _ISO.finditer(text, start, end):
        add(
            match,
            _safe_date(int(match["year"]), int(match["month"]), int(match["day"])),
            DatePrecision.DAY,
        )
    for match in _MONTH_YEAR.finditer(text, start, end):
        add(
            match,
            _safe_date(int(match["year"]), _month_number(match["month"]), 1),
            DatePrecision.MONTH,
        )
    for match in _BARE_YEAR.finditer(text, start, end):
        add(match, datetime.date(int(match["year"]), 1, 1), DatePrecision.YEAR)
    return found


def _resolve(match: re.Match, published: datetime.date | None) -> tuple[datetime.date | None, str]:
    """A relative date against the document's date: (date, precision)."""
    if published is None:
        return None, ""
    words = match.group().lower().split()
    unit = (match["unit"] or match["weekday"] or match["yesterday"] or "").lower()
    if unit == "yesterday":
        return published - datetime.timedelta(days=1), DatePrecision.DAY
    if unit in _WEEKDAYS:
        back = (published.weekday() - _WEEKDAYS.index(unit)) % 7 or 7
        return published - datetime.timedelta(days=back), DatePrecision.DAY
    if unit == "week":
        return None, ""
    if unit == "month":
        first = published.replace(day=1)
        if words[0] == "last":
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        return first, DatePrecision.MONTH
    if unit == "year":
        year = published.year - 1 if words[0] == "last" else published.year
        return datetime.date(year, 1, 1), DatePrecision.YEAR
    month = _month_number(unit)
    year = published.year if month < published.month or words[0] != "last" else published.year - 1
    return datetime.date(year, month, 1), DatePrecision.MONTH


def _relative_dates(
    text: str, start: int, end: int, published: datetime.date | None
) -> list[FoundDate]:
    found = []
    for match in _RELATIVE.finditer(text, start, end):
        value, precision = _resolve(match, published)
        found.append(FoundDate(*match.span(), match.group(), value, precision, value is not None))
    return found


def find_dates(
    text: str, start: int, end: int, published: datetime.date | None = None
) -> list[FoundDate]:
    """The dates in text[start:end], in text order."""
    found = [*_absolute_dates(text, start, end), *_relative_dates(text, start, end, published)]
    return sorted(found, key=lambda date: date.start)
