"""Bulk exports: the SIPRI-style trade register (CSV) and JSON Lines.

The trade register is checked against `expected_register`, an oracle built
here from the models (each transfer read through the ORM) and the register's
spec (the docstrings of transfers/exports/register.py and the README's
export section), not from the writer's code. The seed's register is also
frozen byte for byte in tests/api/snapshots/seed_api.jsonl, which
tests/api/test_snapshot.py compares; that is not repeated here.
"""

import argparse
import csv
import datetime
import decimal
import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from actors.factories import ActorFactory
from common.dates import DatePrecision
from sources.factories import SourceFactory
from tests.helpers import API, documented_transfer
from transfers.choices import Condition, TransferType
from transfers.exports import register
from transfers.exports.register import SIPRI_COLUMNS, TRADE_REGISTER_COLUMNS
from transfers.factories import (
    CitationFactory,
    DeliveryFactory,
    PackageFactory,
    StatusEventFactory,
    SystemFactory,
    TransferFactory,
    ValueFactory,
)
from transfers.models import Delivery, Transfer, TransferIntermediary

pytestmark = pytest.mark.django_db

#: The exports count by default only transfers that reached agreement; these
#: tests are about the formats, so they take every stage.
ALL = {"all_stages": "true"}
CSV_URL = f"{API}/exports/trade-register.csv"
JSONL_URL = f"{API}/exports/transfers.jsonl"


@pytest.fixture
def seed(db):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)


def body(response) -> str:
    assert response.status_code == 200, response
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def csv_rows(response):
    reader = csv.DictReader(io.StringIO(body(response)))
    assert reader.fieldnames == TRADE_REGISTER_COLUMNS
    return list(reader)


def expected_row_count(transfers):
    return sum(max(1, t.deliveries.count()) for t in transfers)


# --- the trade register as its spec describes it, built from the models ----------

#: The README's columns, SIPRI's first in SIPRI's order, then ours; written out
#: here rather than imported, so a reordered or renamed column fails.
REGISTER_HEADER = [
    "Supplier",
    "Recipient",
    "Designation",
    "Description",
    "Armament category",
    "Order date",
    "Order date is estimate",
    "Numbers delivered",
    "Numbers delivered is estimate",
    "Delivery year",
    "Delivery year is estimate",
    "Status",
    "Local production",
    "Deal id",
    "Numbers ordered",
    "Numbers ordered is estimate",
    "Numbers ordered up to",
    "Our stage",
    "Our credibility",
    "Independent sources",
    "Transfer type",
    "Intermediaries",
    "Start date",
    "Start date precision",
    "End date",
    "End date precision",
    "Contract value",
    "Contract value currency",
    "Contract value is estimate",
    "Package",
    "Source titles",
    "Source URLs",
]
DELIVERY_COLUMNS = (
    "Numbers delivered",
    "Numbers delivered is estimate",
    "Delivery year",
    "Delivery year is estimate",
)
#: SIPRI's wording of our condition, in its "Status" column (README).
SIPRI_WORDING = {
    "new": "new",
    "second_hand": "second hand",
    "second_hand_modernised": "second hand but modernized",
}
#: What a spreadsheet runs as a formula when a cell starts with it (README).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def number_and_estimate(number, is_estimate) -> list[str]:
    """A count and its estimate flag: both empty when the count is unknown."""
    return ["", ""] if number is None else [str(number), yes_no(is_estimate)]


def partial_date(value, precision) -> str:
    """ISO 8601 cut to the precision: "2016", "2016-06", "2019-03-04"."""
    if value is None:
        return ""
    return value.isoformat()[: {"year": 4, "month": 7, "day": 10}[precision]]


def source_title(source) -> str:
    """Its title, or untitled its outlet and date; never the slug (README)."""
    if source.title:
        return source.title
    when = partial_date(source.publication_date, source.publication_date_precision)
    return f"Untitled ({source.publisher or 'unknown outlet'}, {when or 'undated'})"


def source_url(source) -> str:
    """Its URL, or else the web address its current text was fetched from."""
    text = source.texts.order_by("-version").first()
    fetched = text.retrieved_from if text else ""
    return source.url or (fetched if fetched.startswith(("http://", "https://")) else "")


def expected_rows(transfer) -> list[dict]:
    """The register rows of one transfer, {column: text}, read through the ORM:
    one a delivery year in year order, or one with empty delivery columns."""
    system = transfer.system
    cited = []  # each source once, in the order it was first cited
    for citation in transfer.citations.order_by("id"):
        if citation.source not in cited:
            cited.append(citation.source)
    links = transfer.intermediary_links.order_by("position")
    ordered = number_and_estimate(transfer.quantity, transfer.quantity_is_estimate)
    # Its first contract value (a package's value is not any one transfer's).
    contract = transfer.values.filter(kind="contract").order_by("id").first()
    deal = {
        "Supplier": transfer.supplier.name,
        "Recipient": transfer.recipient.name,
        "Designation": system.designation,
        "Description": system.description,
        "Armament category": system.get_category_display(),
        "Order date": str(transfer.start_date.year) if transfer.start_date else "",
        "Order date is estimate": "",  # we record precision, not estimates
        "Status": SIPRI_WORDING.get(transfer.condition, ""),
        "Local production": yes_no(transfer.transfer_type == "licensed_production"),
        "Deal id": transfer.slug,
        "Numbers ordered": ordered[0],
        "Numbers ordered is estimate": ordered[1],
        "Numbers ordered up to": ""
        if transfer.quantity_max is None
        else str(transfer.quantity_max),
        "Our stage": transfer.stage,
        "Our credibility": str(transfer.credibility),
        "Independent sources": str(transfer.independent_sources),
        "Transfer type": transfer.transfer_type,
        "Intermediaries": "; ".join(
            f"{link.actor.name} ({link.get_role_display().lower()})"
            if link.role
            else link.actor.name
            for link in links
        ),
        "Start date": partial_date(transfer.start_date, transfer.start_date_precision),
        "Start date precision": transfer.start_date_precision,
        "End date": partial_date(transfer.end_date, transfer.end_date_precision),
        "End date precision": transfer.end_date_precision,
        "Contract value": "" if contract is None else f"{contract.amount:.2f}",
        "Contract value currency": "" if contract is None else contract.currency,
        "Contract value is estimate": "" if contract is None else yes_no(contract.is_estimate),
        "Package": "" if transfer.package is None else transfer.package.name,
        "Source titles": "; ".join(map(source_title, cited)),
        "Source URLs": "; ".join(url for url in map(source_url, cited) if url),
    }
    deliveries = list(transfer.deliveries.order_by("year"))
    if not deliveries:
        return [deal | dict.fromkeys(DELIVERY_COLUMNS, "")]
    return [
        deal
        | dict(
            zip(
                DELIVERY_COLUMNS,
                [
                    *number_and_estimate(delivery.quantity, delivery.quantity_is_estimate),
                    str(delivery.year),
                    yes_no(delivery.year_is_estimate),
                ],
                strict=True,
            )
        )
        for delivery in deliveries
    ]


def csv_line(cells) -> str:
    """One CSV record as the register writes it: every cell in double quotes
    (a quote inside doubled), a cell a spreadsheet would run as a formula
    behind a single quote, CRLF at the end. Written out by hand, not with
    the csv module, so the quoting itself is checked."""
    safe = ("'" + cell if cell.startswith(FORMULA_STARTS) else cell for cell in cells)
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in safe) + "\r\n"


def expected_register(transfers) -> str:
    """The whole trade register of `transfers`, in id order."""
    lines = [csv_line(REGISTER_HEADER)]
    for transfer in transfers.order_by("id"):
        lines += [
            csv_line(row[column] for column in REGISTER_HEADER) for row in expected_rows(transfer)
        ]
    return "".join(lines)


# --- trade register CSV -----------------------------------------------------------


def test_trade_register_starts_with_sipri_columns_in_sipri_order(api_client, seed):
    response = api_client.get(CSV_URL, ALL)
    assert response["Content-Type"].startswith("text/csv")
    assert "trade-register.csv" in response["Content-Disposition"]
    header = next(csv.reader(io.StringIO(body(response))))
    assert header[: len(SIPRI_COLUMNS)] == [
        "Supplier",
        "Recipient",
        "Designation",
        "Description",
        "Armament category",
        "Order date",
        "Order date is estimate",
        "Numbers delivered",
        "Numbers delivered is estimate",
        "Delivery year",
        "Delivery year is estimate",
        "Status",
        "Local production",
    ]
    assert header[len(SIPRI_COLUMNS) :][:1] == ["Deal id"]


def test_trade_register_has_a_row_per_deal_per_delivery_year(api_client, seed):
    rows = csv_rows(api_client.get(CSV_URL, ALL))
    assert len(rows) == expected_row_count(Transfer.objects.all())
    assert {row["Deal id"] for row in rows} == set(Transfer.objects.values_list("slug", flat=True))
    delivered = Delivery.objects.select_related("transfer").first()
    assert delivered is not None, "the seed has deliveries"
    matching = [
        r
        for r in rows
        if r["Deal id"] == delivered.transfer.slug and r["Delivery year"] == str(delivered.year)
    ]
    assert len(matching) == 1


def test_trade_register_row_fields(api_client):
    transfer = documented_transfer(
        quantity=12,
        condition=Condition.SECOND_HAND_MODERNISED,
        transfer_type=TransferType.LICENSED_PRODUCTION,
    )
    DeliveryFactory(transfer=transfer, year=2018, quantity=4, quantity_is_estimate=True)
    DeliveryFactory(transfer=transfer, year=2017, quantity=None, year_is_estimate=True)
    rows = csv_rows(api_client.get(CSV_URL, ALL))
    assert [(r["Delivery year"], r["Numbers delivered"]) for r in rows] == [
        ("2017", ""),
        ("2018", "4"),
    ]
    first, second = rows
    assert first["Supplier"] == transfer.supplier.name
    assert first["Recipient"] == transfer.recipient.name
    assert first["Designation"] == transfer.system.designation
    assert first["Armament category"] == transfer.system.get_category_display()
    assert first["Order date"] == "2016"
    assert first["Status"] == "second hand but modernized"
    assert first["Local production"] == "yes"
    assert first["Delivery year is estimate"] == "yes"
    assert second["Numbers delivered is estimate"] == "yes"
    assert first["Deal id"] == transfer.slug
    assert first["Our stage"] == "agreed"
    assert first["Transfer type"] == "licensed_production"
    assert first["Intermediaries"] == transfer.intermediary_links.get().actor.name
    assert first["Start date precision"] == "year"
    titles = {source_title(c.source) for c in transfer.citations.all()}
    assert set(first["Source titles"].split("; ")) == titles


def test_source_titles_never_show_a_slug(api_client):
    transfer = TransferFactory()
    untitled = SourceFactory(
        title="",
        publisher="TASS",
        publication_date=datetime.date(2016, 5, 1),
        publication_date_precision=DatePrecision.MONTH,
    )
    anonymous = SourceFactory(
        title="", publisher="", publication_date=None, publication_date_precision=""
    )
    CitationFactory(transfer=transfer, source=untitled)
    CitationFactory(transfer=transfer, source=anonymous)
    [row] = csv_rows(api_client.get(CSV_URL, ALL))
    assert row["Source titles"] == "Untitled (TASS, 2016-05); Untitled (unknown outlet, undated)"
    assert untitled.slug not in row["Source titles"]


def test_source_urls_fall_back_on_where_the_text_was_fetched(api_client):
    from sources.services import source_text_add

    transfer = TransferFactory()
    fetched = SourceFactory(url="")
    uploaded = SourceFactory(url="")
    source_text_add(
        source=fetched, text="Some text.", origin="fetched", retrieved_from="https://e.org/a"
    )
    source_text_add(source=uploaded, text="Other text.", origin="uploaded", retrieved_from="a.pdf")
    CitationFactory(transfer=transfer, source=fetched)
    CitationFactory(transfer=transfer, source=uploaded)
    [row] = csv_rows(api_client.get(CSV_URL, ALL))
    assert row["Source URLs"] == "https://e.org/a"


def test_a_bom_starts_the_register_only_when_asked(api_client):
    TransferFactory()
    assert body(api_client.get(CSV_URL, {**ALL, "bom": "true"})).startswith('\ufeff"Supplier"')
    assert body(api_client.get(CSV_URL, ALL)).startswith('"Supplier"')
    response = api_client.get(CSV_URL, {**ALL, "bom": "maybe"})
    assert response.status_code == 400
    assert "bom" in response.json()


def test_a_deal_without_deliveries_is_one_row_with_empty_delivery_columns(api_client):
    transfer = TransferFactory(transfer_type=TransferType.SALE, condition=Condition.NEW)
    [row] = csv_rows(api_client.get(CSV_URL, ALL))
    assert row["Deal id"] == transfer.slug
    assert [row[c] for c in ("Numbers delivered", "Delivery year")] == ["", ""]
    assert (row["Status"], row["Local production"]) == ("new", "no")


def test_source_urls_are_listed_once_each(api_client):
    transfer = TransferFactory()
    source = SourceFactory(url="https://example.org/report")
    CitationFactory(transfer=transfer, source=source)
    CitationFactory(transfer=transfer, source=source)
    [row] = csv_rows(api_client.get(CSV_URL, ALL))
    assert row["Source URLs"] == "https://example.org/report"


def test_trade_register_honours_the_filters(api_client, seed):
    rows = csv_rows(api_client.get(CSV_URL, {**ALL, "supplier": "russia", "stage": "requested"}))
    narrowed = Transfer.objects.filter(supplier__slug="russia", stage="requested")
    assert rows and len(rows) == expected_row_count(narrowed)
    assert len({r["Deal id"] for r in rows}) < Transfer.objects.count()
    assert {r["Supplier"] for r in rows} == {"Russia"}


@pytest.mark.parametrize("url", [CSV_URL, JSONL_URL])
def test_an_export_rejects_a_bad_filter_with_a_json_400(api_client, url):
    response = api_client.get(url, {**ALL, "stage": "bogus"})
    assert response.status_code == 400
    assert "stage" in response.json()


@pytest.mark.parametrize("n,chunks", [(1, 1), (10, 1), (30, 3), (200, 20)])
def test_trade_register_runs_one_query_plus_five_per_chunk_citing_new_sources(
    n, chunks, api_client, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(register, "CSV_CHUNK_SIZE", 10)
    for transfer in TransferFactory.create_batch(n):
        DeliveryFactory(transfer=transfer)
        CitationFactory(transfer=transfer, source=SourceFactory())
    # The transfers (one streamed query), then per chunk of transfers one query
    # each for intermediaries, deliveries, contract values and citations, and
    # one for the sources no earlier chunk cited (here every chunk cites new ones).
    with django_assert_num_queries(1 + 5 * chunks):
        rows = csv_rows(api_client.get(CSV_URL, ALL))
    assert len(rows) == n


def test_trade_register_reads_each_source_once(api_client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(register, "CSV_CHUNK_SIZE", 10)
    source = SourceFactory()
    for transfer in TransferFactory.create_batch(30):
        CitationFactory(transfer=transfer, source=source)
    # Only the first of the three chunks needs the source read.
    with django_assert_num_queries(1 + 4 * 3 + 1):
        rows = csv_rows(api_client.get(CSV_URL, ALL))
    assert {row["Source titles"] for row in rows} == {source.title}


def test_trade_register_of_sparse_transfers_reads_only_theirs(api_client, monkeypatch):
    """Ids far apart are looked up one by one, not as a range."""
    monkeypatch.setattr(register, "CSV_CHUNK_SIZE", 4)
    transfers = TransferFactory.create_batch(40)
    for transfer in transfers:
        DeliveryFactory(transfer=transfer, year=2001)
        CitationFactory(transfer=transfer, source=SourceFactory())
    wanted = transfers[::9]
    narrowed = Transfer.objects.filter(pk__in=[t.pk for t in wanted])
    new = "".join(register.write_csv(register.trade_register(narrowed)))
    assert new == expected_register(narrowed)
    assert new.count("\r\n") == 1 + len(wanted)


# --- the trade register is what its spec says, cell for cell ---------------------


def test_trade_register_of_the_seed_is_as_specified(api_client, seed):
    assert Transfer.objects.exists()
    assert body(api_client.get(CSV_URL, ALL)) == expected_register(Transfer.objects.all())
    narrowed = Transfer.objects.filter(supplier__slug="russia")
    assert body(api_client.get(CSV_URL, {**ALL, "supplier": "russia"})) == expected_register(
        narrowed
    )


def test_trade_register_of_generated_data_is_as_specified(monkeypatch):
    from transfers.demo_data import generate

    generate(transfers=400, seed=5)
    assert TransferIntermediary.objects.exists() and Delivery.objects.exists()
    monkeypatch.setattr(register, "CSV_CHUNK_SIZE", 64)  # several chunks
    new = "".join(register.write_csv(register.trade_register(Transfer.objects.all())))
    assert new == expected_register(Transfer.objects.all())
    assert new.count("\r\n") == 1 + expected_row_count(Transfer.objects.all())


def test_trade_register_of_edge_cases_is_as_specified():
    """Out-of-order positions and years, repeated and untitled sources, missing
    dates and quantities, text that needs quoting, and text a spreadsheet
    would run as a formula."""
    odd = SystemFactory(
        designation='T-72 "Ural", mod. 1',
        description="Main battle tank;\nwith a line break, and a comma",
        category="aircraft",
    )
    first = TransferFactory(
        system=odd,
        quantity=None,
        condition="",
        transfer_type=TransferType.LICENSED_PRODUCTION,
        start_date=None,
        start_date_precision="",
        end_date=datetime.date(2019, 3, 4),
        end_date_precision=DatePrecision.DAY,
    )
    second = TransferFactory(
        system=SystemFactory(designation="-2+3", description="@SUM(A1)"),
        quantity=7,
        quantity_is_estimate=True,
        condition=Condition.SECOND_HAND,
        start_date=datetime.date(2010, 6, 1),
        start_date_precision=DatePrecision.MONTH,
    )
    TransferFactory(quantity=0, condition=Condition.NEW)  # nothing attached at all
    for position, name, role in (
        (3, "Ülgii, Mongolia", ""),
        (1, "=Zeta", "broker"),
        (2, "Alpha", "re_exporter"),
    ):
        TransferIntermediary.objects.create(
            transfer=first, actor=ActorFactory(name=name), position=position, role=role
        )
    for year, quantity, estimate in ((2019, None, False), (2015, 3, True), (2017, 0, False)):
        DeliveryFactory(
            transfer=first,
            year=year,
            quantity=quantity,
            quantity_is_estimate=estimate,
            year_is_estimate=year == 2017,
        )
    untitled = SourceFactory(title="", url="")
    linked = SourceFactory(title="+cmd|' /C calc'!A0", url="https://example.org/a?b=1,2")
    for source in (linked, untitled, linked, SourceFactory(), untitled):
        CitationFactory(transfer=first, source=source)
    CitationFactory(transfer=second, source=linked)
    DeliveryFactory(transfer=second, year=2011, quantity=7, quantity_is_estimate=True)

    new = "".join(register.write_csv(register.trade_register(Transfer.objects.all())))
    assert new == expected_register(Transfer.objects.all())
    rows = list(csv.DictReader(io.StringIO(new)))
    assert [r["Delivery year"] for r in rows if r["Deal id"] == first.slug] == [
        "2015",
        "2017",
        "2019",
    ]
    assert rows[0]["Intermediaries"] == "'=Zeta (broker); Alpha (re-exporter); Ülgii, Mongolia"
    [of_second] = [r for r in rows if r["Deal id"] == second.slug]
    assert (of_second["Designation"], of_second["Description"]) == ("'-2+3", "'@SUM(A1)")
    assert of_second["Source titles"] == "'+cmd|' /C calc'!A0"


def test_trade_register_lists_every_url_and_dates_each_at_its_own_precision():
    """Cases the seed and the edge cases above leave out: several cited
    sources with URLs, and an end date less precise than the start."""
    transfer = TransferFactory(
        start_date=datetime.date(2010, 6, 1),
        start_date_precision=DatePrecision.MONTH,
        end_date=datetime.date(2012, 1, 1),
        end_date_precision=DatePrecision.YEAR,
    )
    for url in ("https://example.org/a", "", "https://example.org/b"):
        CitationFactory(transfer=transfer, source=SourceFactory(url=url))

    new = "".join(register.write_csv(register.trade_register(Transfer.objects.all())))
    assert new == expected_register(Transfer.objects.all())
    [row] = csv.DictReader(io.StringIO(new))
    assert (row["Start date"], row["End date"]) == ("2010-06", "2012")
    assert row["Source URLs"] == "https://example.org/a; https://example.org/b"


def test_trade_register_shows_the_contract_value_the_package_and_a_range():
    """The first contract value of a transfer (not its payments, not its
    package's value), the package's name, and a quantity range's high end."""
    package = PackageFactory(name="=Shopping list, 2016")
    transfer = TransferFactory(package=package, quantity=24, quantity_max=36)
    ValueFactory(transfer=transfer, kind="payment", amount=5, currency="EUR")
    ValueFactory(transfer=transfer, amount=decimal.Decimal("1234.5"), is_estimate=True)
    ValueFactory(transfer=transfer, amount=99)  # a second contract value: not shown
    ValueFactory(transfer=None, package=package, kind="package", amount=6_000_000_000)
    plain = TransferFactory(quantity=None)
    ValueFactory(transfer=plain, kind="payment", amount=1)

    new = "".join(register.write_csv(register.trade_register(Transfer.objects.all())))
    assert new == expected_register(Transfer.objects.all())
    first, second = csv.DictReader(io.StringIO(new))
    assert (first["Numbers ordered"], first["Numbers ordered up to"]) == ("24", "36")
    assert [first[c] for c in REGISTER_HEADER if c.startswith("Contract value")] == [
        "1234.50",
        "USD",
        "yes",
    ]
    assert first["Package"] == "'=Shopping list, 2016"
    assert [second[c] for c in ("Numbers ordered up to", "Contract value", "Package")] == [
        "",
        "",
        "",
    ]


# --- JSON Lines -------------------------------------------------------------------


def test_jsonl_is_one_full_transfer_record_a_line(api_client, seed):
    response = api_client.get(JSONL_URL, ALL)
    assert response["Content-Type"] == "application/x-ndjson"
    records = [json.loads(line) for line in body(response).splitlines()]
    assert len(records) == Transfer.objects.count()
    one = records[0]
    detail = api_client.get(f"{API}/transfers/{one['id']}/").json()
    assert one == detail


def test_jsonl_honours_the_filters(api_client, seed):
    response = api_client.get(JSONL_URL, {**ALL, "recipient": "iran"})
    records = [json.loads(line) for line in body(response).splitlines()]
    assert records
    assert len(records) == Transfer.objects.filter(recipient__slug="iran").count()
    assert {r["recipient"]["slug"] for r in records} == {"iran"}


@pytest.mark.parametrize("n", [1, 30])
def test_jsonl_query_count_is_flat(n, api_client, django_assert_num_queries):
    for transfer in TransferFactory.create_batch(n):
        CitationFactory(transfer=transfer, source=SourceFactory())
    # The transfers, then intermediaries, values, status events, citations and relays.
    with django_assert_num_queries(6):
        lines = body(api_client.get(JSONL_URL, ALL)).splitlines()
    assert len(lines) == n


# --- the export_transfers command -------------------------------------------------


def run_export(*args) -> str:
    out = io.StringIO()
    call_command(
        "export_transfers", *args, "--all-stages", "true", stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def test_command_csv_to_stdout_matches_the_api(api_client, seed):
    from_api = body(api_client.get(CSV_URL, {**ALL, "supplier": "russia"}))
    assert run_export("--format", "csv", "--supplier", "russia") == from_api


def test_command_writes_a_file_with_filters(seed, tmp_path):
    target = tmp_path / "register.csv"
    run_export("--format", "csv", "--output", str(target), "--stage", "requested")
    with target.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    narrowed = Transfer.objects.filter(stage="requested")
    assert len(rows) == expected_row_count(narrowed)
    assert {r["Our stage"] for r in rows} == {"requested"}


def test_command_jsonl_records_carry_urls_from_the_base_url(seed):
    text = run_export("--format", "jsonl", "--recipient", "iran", "--base-url", "https://x.org")
    records = [json.loads(line) for line in text.splitlines()]
    assert len(records) == Transfer.objects.filter(recipient__slug="iran").count()
    assert records[0]["url"].startswith("https://x.org/api/v1/transfers/")


@pytest.mark.parametrize("fmt,reader", [("graphml", "read_graphml"), ("gexf", "read_gexf")])
def test_command_graph_files_open_in_networkx(api_client, seed, tmp_path, fmt, reader):
    nx = pytest.importorskip("networkx")
    target = tmp_path / f"g.{fmt}"
    run_export("--format", fmt, "--output", str(target), "--year-from", "2020")
    graph = getattr(nx, reader)(target)
    response = api_client.get(f"{API}/network/", {"year_from": 2020, **ALL})
    from_api = json.loads(b"".join(response.streaming_content))
    direct = [data for _s, _t, data in graph.edges(data=True) if not data["via"]]
    assert len(direct) == len(from_api["edges"])
    assert 0 < graph.number_of_edges() < Transfer.objects.count()


def test_command_refuses_a_bad_filter():
    with pytest.raises(CommandError, match="--stage"):
        run_export("--format", "csv", "--stage", "bogus")


@pytest.mark.parametrize(
    ("url", "fmt"), [(CSV_URL, "csv"), (JSONL_URL, "jsonl"), (f"{API}/network/", "graphml")]
)
@pytest.mark.parametrize(
    ("option", "param", "value"),
    [("--supplier", "supplier", "narnia"), ("--system-id", "system_id", "999999")],
)
def test_command_refuses_an_unknown_record_as_the_api_does(
    api_client, tmp_path, url, fmt, option, param, value
):
    ActorFactory(slug="russia")
    response = api_client.get(url, {param: value})
    assert response.status_code == 400
    [message] = response.json()[param]
    target = tmp_path / "export.out"
    stderr = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "export_transfers",
            "--format",
            fmt,
            "--output",
            str(target),
            option,
            value,
            stderr=stderr,
        )
    assert str(refused.value) == f"{option}: {message}"
    assert refused.value.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_command_refuses_an_unknown_slug_given_in_the_query(tmp_path):
    ActorFactory(slug="russia")
    with pytest.raises(CommandError, match="--recipient: There is no actor with the slug 'narnia'"):
        call_command(
            "export_transfers", "--format", "csv", "--query", "recipient=russia&recipient=narnia"
        )


def test_a_refused_export_leaves_an_earlier_file_as_it_was(tmp_path):
    target = tmp_path / "register.csv"
    target.write_text("the earlier export\n")
    with pytest.raises(CommandError, match="--party"):
        run_export("--format", "csv", "--output", str(target), "--party", "narnia")
    assert target.read_text() == "the earlier export\n"
    assert list(tmp_path.iterdir()) == [target]


def test_an_export_replaces_an_earlier_file_whole(seed, tmp_path):
    target = tmp_path / "register.csv"
    target.write_text("x" * 100_000)
    run_export("--format", "csv", "--output", str(target), "--supplier", "russia")
    assert target.read_bytes().decode() == run_export("--format", "csv", "--supplier", "russia")
    assert list(tmp_path.iterdir()) == [target]


def test_an_output_in_a_missing_directory_is_an_error_and_writes_nothing(tmp_path):
    target = tmp_path / "no" / "such" / "x.csv"
    with pytest.raises(CommandError, match=r"--output .*x\.csv: cannot write there"):
        run_export("--format", "csv", "--output", str(target))
    assert list(tmp_path.iterdir()) == []


def test_an_export_that_fails_once_written_leaves_no_partial_file(seed, tmp_path):
    # A directory where the file should go: everything is written, and the
    # last step, the rename over it, fails.
    (tmp_path / "register.csv").mkdir()
    with pytest.raises(CommandError, match="cannot write there"):
        run_export("--format", "csv", "--output", str(tmp_path / "register.csv"))
    assert [p.name for p in tmp_path.iterdir()] == ["register.csv"]
    assert list((tmp_path / "register.csv").iterdir()) == []


def test_manage_py_reports_a_bad_output_without_a_traceback(tmp_path):
    target = tmp_path / "missing" / "x.csv"
    finished = subprocess.run(
        [sys.executable, "manage.py", "export_transfers", "--format", "csv", "--output", target],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert finished.returncode == 1
    assert f"CommandError: --output {target}: cannot write there" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not target.parent.exists()


def test_each_filter_option_says_repeat_only_if_it_can_be_repeated():
    from transfers.management.commands.export_transfers import FILTERS, Command

    parser = Command().create_parser("manage.py", "export_transfers")
    actions = {action.dest: action for action in parser._actions}
    for name in FILTERS:
        action = actions[name]
        assert action.help, name
        says_repeat = "repeat" in action.help
        assert says_repeat == isinstance(action, argparse._AppendAction), name
    assert "repeat" not in actions["year_to"].help


def test_a_filter_that_takes_one_value_takes_the_last_given(seed):
    twice = run_export("--format", "jsonl", "--year-from", "2100", "--year-from", "1990")
    assert twice == run_export("--format", "jsonl", "--year-from", "1990")
    assert twice.count("\n") == Transfer.objects.exclude(start_date=None).count() > 0
    assert run_export("--format", "jsonl", "--year-from", "2100") == ""


@pytest.mark.parametrize("url", [CSV_URL, JSONL_URL])
def test_the_first_bytes_leave_before_the_last_rows_are_read(api_client, url, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transfers.demo_data import generate
    from transfers.exports.jsonl import CHUNK_SIZE

    # Three chunks: the CSV's chunks are made small to match the JSON Lines'.
    monkeypatch.setattr(register, "CSV_CHUNK_SIZE", CHUNK_SIZE)
    generate(transfers=CHUNK_SIZE * 2 + 10, seed=11)
    response = api_client.get(url, ALL)
    assert response.streaming
    chunks = iter(response.streaming_content)
    assert next(chunks)  # the header line, and the first rows behind it
    next(chunks)
    with CaptureQueriesContext(connection) as rest:
        lines = sum(chunk.count(b"\n") for chunk in chunks)
    # Later chunks are read (their queries run) only as the body is consumed.
    assert len(rest.captured_queries) > 0
    assert lines >= CHUNK_SIZE + 10


def test_the_register_counts_what_reached_agreement_and_json_lines_every_stage(api_client):
    agreed = TransferFactory()
    StatusEventFactory(transfer=agreed, stage="agreed")
    discussed = TransferFactory()
    StatusEventFactory(transfer=discussed, stage="under_discussion")
    [row] = csv_rows(api_client.get(CSV_URL))
    assert row["Deal id"] == agreed.slug
    assert len(csv_rows(api_client.get(CSV_URL, ALL))) == 2
    lines = body(api_client.get(JSONL_URL)).splitlines()
    assert {json.loads(line)["slug"] for line in lines} == {agreed.slug, discussed.slug}
    lines = body(api_client.get(JSONL_URL, {"reached_agreement": "true"})).splitlines()
    assert [json.loads(line)["slug"] for line in lines] == [agreed.slug]
