"""The trade register described for typed readers: a Frictionless Data
Package (https://specs.frictionlessdata.io/data-package/) whose one resource
is the CSV with its Table Schema. With it, `frictionless`, pandas and R read
years and counts as integers, amounts as numbers and yes/no as booleans
instead of guessing from the text.

The schema is written from the register's own columns (`register.py`), so
a column added there without a type here fails at import, not in a reader."""

from common.dates import DatePrecision

from ..choices import Stage, TransferType
from .register import CATEGORY_LABELS, SIPRI_CONDITION_TEXT, TRADE_REGISTER_COLUMNS

YES_NO = {"type": "boolean", "trueValues": ["yes"], "falseValues": ["no"]}
COUNT = {"type": "integer", "constraints": {"minimum": 0}}
YEAR = {"type": "integer", "description": "A year, e.g. 2016."}
PARTIAL_DATE = {
    "type": "string",
    "description": (
        "ISO 8601 cut to what is known: 2016, 2016-05 or 2016-05-03 (the next column says which)."
    ),
    "constraints": {"pattern": r"\d{4}(-\d{2}(-\d{2})?)?"},
}
PRECISION = {"type": "string", "constraints": {"enum": list(DatePrecision.values)}}
TEXT = {"type": "string"}
LIST = {"type": "string", "description": "A list, its items separated by '; '."}

FIELDS = {
    "Supplier": TEXT,
    "Recipient": TEXT,
    "Designation": TEXT,
    "Description": TEXT,
    "Armament category": {
        "type": "string",
        "constraints": {"enum": sorted(CATEGORY_LABELS.values())},
    },
    "Order date": YEAR | {"description": "The year the deal was agreed or began."},
    "Order date is estimate": YES_NO
    | {"description": "Always empty: we record a date's precision, not whether it is estimated."},
    "Numbers delivered": COUNT,
    "Numbers delivered is estimate": YES_NO,
    "Delivery year": YEAR,
    "Delivery year is estimate": YES_NO,
    "Status": {
        "type": "string",
        "description": "SIPRI's name for the condition: new, second hand, ….",
        "constraints": {"enum": sorted(SIPRI_CONDITION_TEXT.values())},
    },
    "Local production": YES_NO | {"description": "yes for licensed production."},
    "Deal id": TEXT | {"description": "The transfer's slug, stable across exports."},
    "Numbers ordered": COUNT,
    "Numbers ordered is estimate": YES_NO,
    "Numbers ordered up to": COUNT
    | {"description": "The upper end when the number ordered is a range."},
    "Our stage": {"type": "string", "constraints": {"enum": list(Stage.values)}},
    "Our credibility": {"type": "integer", "constraints": {"minimum": 0}},
    "Independent sources": COUNT,
    "Transfer type": {"type": "string", "constraints": {"enum": list(TransferType.values)}},
    "Intermediaries": LIST,
    "Start date": PARTIAL_DATE,
    "Start date precision": PRECISION,
    "End date": PARTIAL_DATE,
    "End date precision": PRECISION,
    "Contract value": {"type": "number", "constraints": {"minimum": 0}},
    "Contract value currency": {
        "type": "string",
        "description": "ISO 4217 code.",
        "constraints": {"pattern": "[A-Z]{3}"},
    },
    "Contract value is estimate": YES_NO,
    "Package": TEXT,
    "Source titles": LIST,
    "Source URLs": LIST,
}
if list(FIELDS) != TRADE_REGISTER_COLUMNS:
    raise ImportError("datapackage.FIELDS must type every trade-register column, in order")

DESCRIPTION = (
    "Arms transfers in SIPRI's trade-register layout, then our own columns: one row per deal "
    "per delivery year, one with empty delivery columns for a deal without deliveries. A "
    "text cell that a spreadsheet would run as a formula starts with a single quote."
)


def table_schema() -> dict:
    return {
        "fields": [{"name": name, **spec} for name, spec in FIELDS.items()],
        "missingValues": [""],
    }


def datapackage(path: str, *, bom: bool = False) -> dict:
    """The data package of a trade register at `path` (a URL, or a file name
    beside the descriptor); `bom` if the file starts with a byte-order mark."""
    return {
        "profile": "tabular-data-package",
        "name": "trade-register",
        "title": "Arms transfers: trade register",
        "resources": [
            {
                "profile": "tabular-data-resource",
                "name": "trade-register",
                "path": path,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8-sig" if bom else "utf-8",
                "description": DESCRIPTION,
                "dialect": {
                    "delimiter": ",",
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                    "lineTerminator": "\r\n",
                },
                "schema": table_schema(),
            }
        ],
    }
