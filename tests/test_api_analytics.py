"""Analytics endpoints: flows, network and actor profile."""

from collections import Counter, defaultdict

import pytest
from django.core.management import call_command

from transfers.factories import TransferFactory
from transfers.models import Transfer

from . import test_api_support as support
from .test_api_support import API, results

api_client = support.api_client

pytestmark = pytest.mark.django_db

FLOWS = f"{API}/flows/"


@pytest.fixture
def seed(db):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)


def expected_flows(transfers, per_year=False):
    """Flows counted in Python, independently of the SQL aggregate."""
    counts, known, unknown = Counter(), defaultdict(int), Counter()
    for t in transfers:
        key = (t.supplier.slug, t.recipient.slug)
        if per_year:
            key += (t.start_date.year if t.start_date else None,)
        counts[key] += 1
        if t.quantity is None:
            unknown[key] += 1
        else:
            known[key] += t.quantity
    return {key: (counts[key], known[key], unknown[key]) for key in counts}


def flows_by_key(rows, per_year=False):
    out = {}
    for row in rows:
        key = (row["supplier"]["slug"], row["recipient"]["slug"])
        if per_year:
            key += (row["year"],)
        out[key] = (row["transfers"], row["known_quantity"], row["unknown_quantity"])
    return out


# --- flows ------------------------------------------------------------------------


def test_flows_match_counts_made_from_the_seed(api_client, seed):
    rows = results(api_client.get(FLOWS, {"page_size": 500}))
    everything = Transfer.objects.select_related("supplier", "recipient")
    assert flows_by_key(rows) == expected_flows(everything)
    assert sum(row["transfers"] for row in rows) == Transfer.objects.count()


def test_flows_per_year_group_by_start_year(api_client, seed):
    rows = results(api_client.get(FLOWS, {"per_year": "true", "page_size": 500}))
    everything = Transfer.objects.select_related("supplier", "recipient")
    assert flows_by_key(rows, per_year=True) == expected_flows(everything, per_year=True)
    assert all("year" in row for row in rows)


def test_flows_honour_the_transfer_list_filters(api_client, seed):
    params = {"supplier": "russia", "status": "reported", "page_size": 500}
    rows = results(api_client.get(FLOWS, params))
    listed = results(api_client.get(f"{API}/transfers/", params))
    narrowed = Transfer.objects.filter(pk__in=[t["id"] for t in listed]).select_related(
        "supplier", "recipient"
    )
    assert rows, "the seed has reported Russian transfers"
    assert flows_by_key(rows) == expected_flows(narrowed)
    assert sum(row["transfers"] for row in rows) < Transfer.objects.count()
    assert {row["supplier"]["slug"] for row in rows} == {"russia"}


def test_flows_count_unknown_quantities_apart(api_client):
    first = TransferFactory(quantity=10)
    TransferFactory(supplier=first.supplier, recipient=first.recipient, quantity=5)
    TransferFactory(supplier=first.supplier, recipient=first.recipient, quantity=None)
    [row] = results(api_client.get(FLOWS))
    assert (row["transfers"], row["known_quantity"], row["unknown_quantity"]) == (3, 15, 1)


@pytest.mark.parametrize(
    "params",
    [{"status": "bogus"}, {"year_from": "abc"}, {"supplier": "no-such-actor"}, {"per_year": "x"}],
)
def test_flows_reject_a_bad_filter_with_400(api_client, params):
    response = api_client.get(FLOWS, params)
    assert response.status_code == 400
    assert set(params) <= set(response.json())


@pytest.mark.parametrize("n", [1, 30])
def test_flows_query_count_is_flat(n, api_client, django_assert_num_queries):
    TransferFactory.create_batch(n)
    with django_assert_num_queries(2):  # count for the page, then the page
        response = api_client.get(FLOWS, {"page_size": 100})
    assert len(results(response)) == n
