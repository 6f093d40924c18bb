import datetime

import pytest

from common.dates import (
    DatePrecision,
    format_partial_date,
    parse_partial_date,
    partial_dates_in_order,
    truncate_to_precision,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016", (datetime.date(2016, 1, 1), DatePrecision.YEAR)),
        ("2016-05", (datetime.date(2016, 5, 1), DatePrecision.MONTH)),
        ("2016-05-03", (datetime.date(2016, 5, 3), DatePrecision.DAY)),
        (" 2016-05 ", (datetime.date(2016, 5, 1), DatePrecision.MONTH)),
    ],
)
def test_parse_partial_date_keeps_the_precision_given(text, expected):
    assert parse_partial_date(text) == expected


@pytest.mark.parametrize("text", ["", "16", "2016-5", "2016-13", "2016-02-30", "May 2016", None])
def test_parse_partial_date_rejects_other_forms_with_a_message(text):
    with pytest.raises(ValueError, match="date"):
        parse_partial_date(text)


# Found: "２０２０" and "2020\n" were read as 2020 (`\d` and int() take any
# Unicode digit; `$` matches before a final newline).
NOT_ASCII_OR_NOT_ALONE = [
    "２０２０",  # full-width digits
    "٢٠٢٠",  # Arabic-Indic digits
    "2016-０５",
    "2020\n",
    "2020\r\n",
    "\t2020",
    "2020\x00",
    "2020\u00a0",  # a no-break space
]


@pytest.mark.parametrize("text", NOT_ASCII_OR_NOT_ALONE, ids=ascii)
def test_parse_partial_date_takes_only_ascii_digits_and_nothing_around_them(text):
    with pytest.raises(ValueError, match="YYYY"):
        parse_partial_date(text)


@pytest.mark.parametrize("text", NOT_ASCII_OR_NOT_ALONE, ids=ascii)
def test_the_date_form_field_refuses_them_with_a_form_error(text):
    from django.core.exceptions import ValidationError

    from common.forms import PartialDateFormField

    with pytest.raises(ValidationError, match="YYYY"):
        PartialDateFormField().clean(text)


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (DatePrecision.YEAR, "2016"),
        (DatePrecision.MONTH, "2016-05"),
        (DatePrecision.DAY, "2016-05-03"),
    ],
)
def test_format_partial_date_never_invents_precision(precision, expected):
    assert format_partial_date(datetime.date(2016, 5, 3), precision) == expected


def test_format_of_unknown_date_is_none():
    assert format_partial_date(None, "") is None


def test_truncate_moves_to_first_day_of_period():
    day = datetime.date(2016, 5, 3)
    assert truncate_to_precision(day, DatePrecision.YEAR) == datetime.date(2016, 1, 1)
    assert truncate_to_precision(day, DatePrecision.MONTH) == datetime.date(2016, 5, 1)
    assert truncate_to_precision(day, DatePrecision.DAY) == day


@pytest.mark.parametrize(
    ("start", "end", "end_precision", "in_order"),
    [
        ("2016-05-03", "2016-01-01", DatePrecision.YEAR, True),  # "2016" covers May
        ("2016-05-03", "2016-05-01", DatePrecision.MONTH, True),
        ("2016-05-03", "2016-05-02", DatePrecision.DAY, False),
        ("2016-05-03", "2015-01-01", DatePrecision.YEAR, False),
        ("2016-05-03", "2016-04-01", DatePrecision.MONTH, False),
    ],
)
def test_end_is_compared_with_start_at_the_end_precision(start, end, end_precision, in_order):
    start_date = datetime.date.fromisoformat(start)
    end_date = datetime.date.fromisoformat(end)
    assert partial_dates_in_order(start_date, "day", end_date, end_precision) is in_order
