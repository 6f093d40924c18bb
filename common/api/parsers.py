"""A JSON parser that no body can make recurse without end.

DRF's parser goes through the standard library's, which recurses once per
level of nesting: a body nested 100,000 levels deep ran out of stack (a
RecursionError, so a 500). orjson stops at 1,024 levels with an error; a
body that deep is still more than Python code that walks it recursively
(a repr in a log line, say) can take, so past MAX_DEPTH levels the body is
refused too. The deepest body this API reads nests three levels (a
transfer, its `initial_stage`, or a list of brief objects).
"""

import orjson
from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 16


def nesting_exceeds(data, limit: int) -> bool:
    """Whether lists and objects in `data` nest more than `limit` levels deep
    (a scalar is 0 levels, `[1]` is 1). Walks without recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """`application/json` through orjson, refusing bodies nested past MAX_DEPTH."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        raw = stream.read() if stream is not None else b""
        try:
            text = raw if encoding.lower().replace("-", "") == "utf8" else raw.decode(encoding)
            data = orjson.loads(text)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding}: {exc}") from None
        except orjson.JSONDecodeError as exc:
            if str(exc).startswith("depth limit exceeded"):
                raise ParseError(self._too_deep()) from None
            raise ParseError(f"JSON parse error - {exc}") from None
        if nesting_exceeds(data, MAX_DEPTH):
            raise ParseError(self._too_deep())
        return data

    @staticmethod
    def _too_deep():
        return (
            f"The JSON body is nested more than {MAX_DEPTH} levels deep; no request to this "
            "API needs more than three."
        )
