"""What characters a record's text may hold.

Names, titles and other one-line fields hold no control characters at all
(C0, DEL and C1: Unicode's category Cc). Multi-line text (notes,
descriptions, quotes) may also hold tab, line feed and carriage return: a
browser sends a textarea's line breaks as CR LF, and those three are the
only control characters XML 1.0 can carry. Neither holds a lone surrogate
(a JSON body can spell one as "\\ud800", and no database can store it) or
the non-characters U+FFFE and U+FFFF (XML forbids them). So whatever passes
these checks can be written to every export, GraphML and GEXF included.

They are validators, not database constraints: a CHECK added by migration
would fail on a database that already holds such a row, and the exports
cope with old rows anyway (see `transfers.exports.network_xml.xml_text`).
"""

import re

from django.core.exceptions import ValidationError

# Forbidden in any text: C0 but tab, LF and CR; DEL; C1; surrogates; U+FFFE/U+FFFF.
_NEVER = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
_NOT_IN_TEXT = re.compile(f"[{_NEVER}]")
_NOT_IN_A_LINE = re.compile(rf"[\t\n\r{_NEVER}]")


def _refuse(pattern: re.Pattern, value, message: str) -> None:
    if not isinstance(value, str):
        return
    found = pattern.search(value)
    if found:
        raise ValidationError(
            message,
            code="control_character",
            params={"character": f"U+{ord(found.group()):04X}"},
        )


def validate_single_line(value) -> None:
    """One line of printable text: no control character of any kind."""
    _refuse(
        _NOT_IN_A_LINE,
        value,
        "Contains a control character (%(character)s); this field is one line of plain text.",
    )


def validate_text(value) -> None:
    """Multi-line text: line breaks and tabs, but no other control character."""
    _refuse(
        _NOT_IN_TEXT,
        value,
        "Contains a control character (%(character)s); only line breaks and tabs are allowed.",
    )
