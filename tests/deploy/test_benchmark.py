"""bench/benchmark.py's raw baseline is fair: on the seed, it builds the very
JSON the API returns, with the same number of queries. No timings are checked."""

import orjson
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import benchmark
from common import search
from transfers.models import Transfer

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark's baseline is PostgreSQL SQL")


@pytest.fixture
def seed(db):
    # As the project loads it: with the derived evidence the API filters on.
    call_command("load_seed", verbosity=0)


@pytest.fixture
def raw_cursor(db):
    """A psycopg cursor on the test's own connection, so it sees the test's data."""
    connection.ensure_connection()
    return psycopg.ClientCursor(connection.connection)


def as_json(data):
    return orjson.loads(orjson.dumps(data))


def counted(function):
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return result, len(queries.captured_queries)


@pytest.mark.parametrize(
    ("params", "rank_limit"),
    [
        ({"page_size": 100}, None),
        ({"page_size": 3, "page": 2}, None),
        ({"supplier": "russia", "stage": "requested", "page_size": 3}, None),
        ({"search": "Shahed", "page_size": 5}, None),
        # More matches than are ranked: the default order.
        ({"search": "Shahed", "page_size": 1}, 1),
    ],
)
def test_the_baseline_list_page_is_the_apis(
    api_client, seed, raw_cursor, params, rank_limit, monkeypatch
):
    if rank_limit is not None:
        monkeypatch.setattr(search, "RANK_LIMIT", rank_limit)
    response, api_queries = counted(lambda: api_client.get("/api/v1/transfers/", params))
    assert response.status_code == 200
    expected = response.json()
    assert expected["results"], expected
    plan = benchmark.ListPlan(params)
    assert as_json(benchmark.baseline_list(raw_cursor, plan)) == expected
    # The page, five related reads (intermediaries, values, events, citations,
    # relays) and, unless the page is the last, the capped count (a ranked
    # search counts first, always): the baseline's round trips too.
    assert api_queries == (7 if expected["next"] or "search" in params else 6)


def test_the_baseline_detail_is_the_apis(api_client, seed, raw_cursor):
    for transfer in Transfer.objects.filter(intermediaries__isnull=False)[:3]:
        expected = api_client.get(f"/api/v1/transfers/{transfer.pk}/").json()
        plan = benchmark.DetailPlan(transfer.pk)
        assert as_json(benchmark.baseline_detail(raw_cursor, plan)) == expected


def test_the_baseline_flows_and_profile_match_the_apis_figures(api_client, seed, raw_cursor):
    flows = api_client.get("/api/v1/flows/", {"page_size": 100}).json()
    assert as_json(benchmark.baseline_flows(raw_cursor, {})) == {
        **flows,
        "next": None,
        "previous": None,
    }
    filters = {"supplier": "hashd-al-shabi", "year_from": "2020"}
    narrowed = api_client.get("/api/v1/flows/", {**filters, "page_size": 100}).json()
    assert narrowed["results"]
    assert (
        as_json(benchmark.baseline_flows(raw_cursor, filters))["results"] == (narrowed["results"])
    )
    profile = api_client.get("/api/v1/actors/russia/profile/").json()
    assert as_json(benchmark.baseline_profile(raw_cursor, "russia")) == profile


def test_the_benchmark_measures_the_detail_cases(seed, raw_cursor, capsys):
    from django.test import Client

    client = Client()
    subjects = benchmark.pick_subjects(raw_cursor)
    assert subjects["transfers"] == Transfer.objects.count()
    cases = [c for c in benchmark.build_cases(client, subjects) if c.group == "detail"]
    assert cases
    results = {c.name: benchmark.measure_case(client, raw_cursor, c, 1, 5) for c in cases}
    benchmark.print_table(results)
    out = capsys.readouterr().out
    for name, result in results.items():
        assert name in out
        assert result["runs"] == 1 and result["queries"] == 6
        assert result["bytes"] == result["baseline_bytes"]
