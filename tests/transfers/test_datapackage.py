"""The trade register's Frictionless Data Package: read by the real
`frictionless` library, the register validates against its Table Schema and
comes back typed (years and counts as int, amounts as numbers, yes/no as bool)."""

import datetime
import decimal
import io
import json

import pytest
from django.core.management import call_command
from frictionless import Package

from tests.helpers import API
from transfers.exports.register import TRADE_REGISTER_COLUMNS
from transfers.factories import DeliveryFactory, TransferFactory, ValueFactory

pytestmark = pytest.mark.django_db

ALL = {"all_stages": "true"}
CSV_URL = f"{API}/exports/trade-register.csv"
PACKAGE_URL = f"{API}/exports/trade-register.datapackage.json"


@pytest.fixture
def transfers(db):
    dated = TransferFactory(
        start_date=datetime.date(2016, 1, 1), start_date_precision="year", quantity=12
    )
    DeliveryFactory(transfer=dated, year=2017, quantity=4)
    DeliveryFactory(transfer=dated, year=2018, quantity=8, year_is_estimate=True)
    ValueFactory(transfer=dated, amount=decimal.Decimal("1500000.50"), currency="USD")
    TransferFactory(start_date=None, start_date_precision="", quantity=None)  # empty cells
    return dated


def read(package: Package) -> list[dict]:
    resource = package.get_resource("trade-register")
    return [row.to_dict() for row in resource.read_rows()]


def local_package(descriptor: dict, csv_text: str, tmp_path, *, bom=False) -> Package:
    """The served descriptor, its resource pointed at a copy of the CSV on disk."""
    (tmp_path / "trade-register.csv").write_bytes(csv_text.encode("utf-8"))
    descriptor["resources"][0]["path"] = "trade-register.csv"
    return Package(descriptor, basepath=str(tmp_path))


def test_the_served_package_points_at_the_csv_of_the_same_filters(api_client, transfers):
    response = api_client.get(PACKAGE_URL, {**ALL, "bom": "true"})
    assert response.status_code == 200
    [resource] = response.json()["resources"]
    assert resource["path"] == f"http://testserver{CSV_URL}?all_stages=true"
    assert [f["name"] for f in resource["schema"]["fields"]] == TRADE_REGISTER_COLUMNS


def test_the_register_validates_and_reads_typed(api_client, transfers, tmp_path):
    descriptor = api_client.get(PACKAGE_URL, ALL).json()
    csv_text = b"".join(api_client.get(CSV_URL, ALL).streaming_content).decode()
    package = local_package(descriptor, csv_text, tmp_path)

    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = read(package)
    assert len(rows) == 3
    first, second, empty = rows
    assert first["Order date"] == 2016 and type(first["Order date"]) is int
    assert (first["Delivery year"], second["Delivery year"]) == (2017, 2018)
    assert (first["Numbers delivered"], first["Numbers ordered"]) == (4, 12)
    assert type(first["Our credibility"]) is int
    assert first["Contract value"] == decimal.Decimal("1500000.50")
    assert (first["Delivery year is estimate"], second["Delivery year is estimate"]) == (
        False,
        True,
    )
    assert empty["Order date"] is None and empty["Delivery year"] is None


def test_a_row_that_breaks_the_schema_fails_validation(api_client, transfers, tmp_path):
    descriptor = api_client.get(PACKAGE_URL, ALL).json()
    csv_text = b"".join(api_client.get(CSV_URL, ALL).streaming_content).decode()
    broken = csv_text.replace('"2017"', '"twenty seventeen"', 1)
    report = local_package(descriptor, broken, tmp_path).validate()
    assert not report.valid
    assert ["Delivery year", "type-error"] in report.flatten(["fieldName", "type"])


def test_the_command_writes_the_package_beside_the_file(transfers, tmp_path):
    target = tmp_path / "register.csv"
    call_command(
        "export_transfers",
        "--format",
        "csv",
        "--all-stages",
        "true",
        "--output",
        str(target),
        "--datapackage",
        "--bom",
        "--no-progress",
        stdout=io.StringIO(),
    )
    assert target.read_bytes().startswith(b'\xef\xbb\xbf"Supplier"')
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["resources"][0]["path"] == "register.csv"
    package = Package(str(tmp_path / "datapackage.json"))
    assert package.validate().valid
    assert [row["Delivery year"] for row in read(package)] == [2017, 2018, None]


def test_the_command_refuses_a_package_without_a_file():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--output"):
        call_command("export_transfers", "--format", "csv", "--datapackage")


def test_a_bad_filter_is_a_400_for_the_package_too(api_client):
    response = api_client.get(PACKAGE_URL, {"year_from": "soon"})
    assert response.status_code == 400
    assert "year_from" in response.json()
