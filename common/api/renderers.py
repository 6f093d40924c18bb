"""The API's renderers: JSON backed by orjson, and CSV for lists (`?format=csv`).

DRF's JSONRenderer goes through the standard library's encoder, which costs
more than building the data for large pages. orjson writes the same JSON
(compact, UTF-8, dict order kept) several times faster. What orjson does not
know natively (Decimal, lazy translations, …) goes through DRF's own encoder,
so values render exactly as before.
"""

import csv
import io

import orjson
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

from ..spreadsheet import spreadsheet_safe

_fallback = JSONEncoder()

# DRF escapes these two so the JSON can also be embedded in a <script>; keep that.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def _default(value):
    return _fallback.default(value)


def dumps(data) -> bytes:
    """`data` as compact UTF-8 JSON bytes, as DRF's renderer would write it."""
    # Error details of list items are keyed by index (int), as json.dumps allows;
    # dates and times go to DRF's encoder, which writes UTC as "Z".
    rendered = orjson.dumps(data, default=_default, option=_OPTIONS)
    for raw, escaped in _LINE_SEPARATORS:
        if raw in rendered:
            rendered = rendered.replace(raw, escaped)
    return rendered


class FastJSONRenderer(JSONRenderer):
    """`application/json` through orjson; an explicit `indent` in the Accept
    header (which orjson cannot honour at any width) falls back to DRF's."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        return dumps(data)


class ListCSVRenderer(BaseRenderer):
    """`?format=csv` on a list: the page's results as CSV, one row a record.

    A nested object is spread over columns named by its path (`supplier.name`,
    `supplier.slug`); a list (of briefs, of citations, …) is one cell of JSON.
    Columns are the record's keys in order as the first result has them (then
    any key a later one adds); an empty page still has its header, from the
    view's serializer (or its `csv_columns`). The page's links move to a
    `Link` header (`rel="next"`, `rel="prev"`) and the total to
    `X-Total-Count`. Stored text a spreadsheet would run as a formula starts
    with a single quote (common.spreadsheet).
    An error is still JSON: the answer's Content-Type says so."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            response["Content-Type"] = "application/json"
            return dumps(data)
        if isinstance(data, dict) and "results" in data:
            records = data["results"]
            if response is not None:
                links = [
                    f'<{data[key]}>; rel="{rel}"'
                    for key, rel in (("next", "next"), ("previous", "prev"))
                    if data.get(key)
                ]
                if links:
                    response["Link"] = ", ".join(links)
                if data.get("count") is not None:
                    response["X-Total-Count"] = str(data["count"])
        elif isinstance(data, list):
            records = data
        elif data is None:
            return b""
        else:
            records = [data]
        rows = [dict(_flatten(record)) for record in records]
        columns = list(dict.fromkeys(key for row in rows for key in row))
        if not columns:
            columns = _serializer_columns(context.get("view"))
        buffer = io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
        writer.writerow(columns)
        writer.writerows([[row.get(column, "") for column in columns] for row in rows])
        return buffer.getvalue().encode()


def _flatten(record, prefix: str = ""):
    """(column, cell) pairs of a record: nested objects by path, lists as JSON."""
    if not isinstance(record, dict):
        yield prefix or "value", _cell(record)
        return
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{name}.")
        else:
            yield name, _cell(value)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, list | dict):
        return spreadsheet_safe(dumps(value).decode())
    return spreadsheet_safe(str(value))


def _serializer_columns(view) -> list[str]:
    """An empty page's header: the view's `csv_columns` if it declares them
    (a view without a serializer), else its serializer's top-level fields."""
    if view is None:
        return []
    if getattr(view, "csv_columns", None):
        return list(view.csv_columns)
    if not hasattr(view, "get_serializer"):
        return []
    try:
        return list(view.get_serializer().fields)
    except Exception:  # a view whose serializer needs what this request lacks
        return []
