import datetime
import decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from common.api.renderers import FastJSONRenderer

SAMPLES = [
    {"name": "Shahed-136", "aliases": ["Geran-2"], "quantity": None, "estimate": False},
    {"value": decimal.Decimal("12.50"), "when": datetime.date(2016, 5, 3)},
    {"at": datetime.datetime(2024, 8, 9, 12, 0, tzinfo=datetime.UTC)},
    {"label": gettext_lazy("reported")},
    {"errors": {0: ["This field may not be null."]}},
    {"quote": "line\u2028separator\u2029and “quotes” — Тегеран"},
    ReturnDict({"id": 1, "nested": [{"a": 1}, {"b": [1, 2.5]}]}, serializer=None),
    [],
]


@pytest.mark.parametrize("data", SAMPLES)
def test_fast_renderer_writes_what_drf_writes(data):
    assert FastJSONRenderer().render(data) == JSONRenderer().render(data)


def test_none_renders_as_empty_body():
    assert FastJSONRenderer().render(None) == b""


def test_an_indent_request_is_honoured():
    rendered = FastJSONRenderer().render({"a": [1]}, "application/json; indent=2")
    assert rendered == b'{\n  "a": [\n    1\n  ]\n}'
