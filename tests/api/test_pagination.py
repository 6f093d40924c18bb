"""Pagination: numbered pages with a capped count, and cursors that visit
every row exactly once whatever the ordering, ties and NULLs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.api import pagination
from sources.factories import SourceFactory
from tests.helpers import API
from transfers.factories import TransferFactory
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def transfers():
    """Many ties and NULLs: five start dates (one of them none), quantities
    half unknown."""
    dates = [None, datetime.date(2001, 1, 1), datetime.date(2001, 1, 1), datetime.date(1999, 5, 1)]
    made = []
    for index in range(37):
        start = dates[index % len(dates)]
        made.append(
            TransferFactory(
                start_date=start,
                start_date_precision="day" if start else "",
                quantity=None if index % 2 else index % 5,
            )
        )
    return made


def walk(client, url, params):
    """Every id of every page, following `next` from an empty cursor."""
    seen, pages = [], 0
    response = client.get(url, {**params, "cursor": ""})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["count"] is None and body["previous"] is None
        seen.extend(item["id"] for item in body["results"])
        pages += 1
        if not body["next"]:
            return seen, pages
        response = client.get(body["next"])


def numbered(client, url, params):
    """The same list, all on one numbered page: the reference order."""
    body = client.get(url, {**params, "page_size": 500}).json()
    assert body["next"] is None
    return [item["id"] for item in body["results"]]


ORDERINGS = [
    {},
    {"ordering": "-start_date"},
    {"ordering": "start_date"},
    {"ordering": "quantity"},
    {"ordering": "-quantity,supplier"},
    {"ordering": "supplier,-id"},
    {"stage": "under_discussion", "ordering": "-updated"},
]


@pytest.mark.parametrize("params", ORDERINGS, ids=str)
def test_a_cursor_visits_every_transfer_once_in_order(api_client, transfers, params):
    ids, pages = walk(api_client, f"{API}/transfers/", {**params, "page_size": 4})
    assert len(ids) == len(set(ids))
    assert ids == numbered(api_client, f"{API}/transfers/", params)
    assert pages == -(-len(ids) // 4)  # the page size plus one row tells the last page


def test_a_cursor_walks_a_search_in_rank_order(api_client, transfers):
    term = Transfer.objects.first().supplier.name.split()[0]
    params = {"search": term, "page_size": 2}
    ids, _pages = walk(api_client, f"{API}/transfers/", params)
    assert ids and len(ids) == len(set(ids))
    assert ids == numbered(api_client, f"{API}/transfers/", {"search": term})


def test_cursors_work_on_other_lists_with_nullable_keys(api_client):
    SourceFactory.create_batch(5, publication_date=None, publication_date_precision="")
    SourceFactory.create_batch(6)
    ids, _pages = walk(api_client, f"{API}/sources/", {"page_size": 3})
    assert sorted(ids) == sorted(numbered(api_client, f"{API}/sources/", {}))
    assert len(ids) == 11


def test_rows_added_while_walking_never_repeat_a_row(api_client, transfers):
    first = api_client.get(f"{API}/transfers/", {"cursor": "", "page_size": 10}).json()
    seen = [item["id"] for item in first["results"]]
    TransferFactory.create_batch(5, start_date=None, start_date_precision="")
    Transfer.objects.filter(pk=seen[0]).update(notes="changed")
    rest, _pages = walk_from(api_client, first["next"])
    assert not set(seen) & set(rest)
    assert len(seen) + len(rest) == Transfer.objects.count()


def walk_from(client, url):
    seen, pages = [], 0
    while url:
        body = client.get(url).json()
        seen.extend(item["id"] for item in body["results"])
        url, pages = body["next"], pages + 1
    return seen, pages


@pytest.mark.parametrize("token", ["nonsense", "e30", "eyJvIjoxfQ", "%00"])
def test_a_bad_cursor_is_a_400(api_client, transfers, token):
    response = api_client.get(f"{API}/transfers/", {"cursor": token})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_a_cursor_is_tied_to_its_ordering(api_client, transfers):
    body = api_client.get(f"{API}/transfers/", {"cursor": "", "page_size": 5}).json()
    token = body["next"].split("cursor=")[1].split("&")[0]
    response = api_client.get(f"{API}/transfers/", {"cursor": token, "ordering": "quantity"})
    assert response.status_code == 400
    assert "another ordering" in response.json()["cursor"][0]


def test_count_is_exact_below_the_limit_and_a_lower_bound_above(api_client, transfers, monkeypatch):
    body = api_client.get(f"{API}/transfers/", {"page_size": 5}).json()
    assert (body["count"], body["count_is_exact"]) == (37, True)
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 20)
    body = api_client.get(f"{API}/transfers/", {"page_size": 5}).json()
    assert (body["count"], body["count_is_exact"]) == (20, False)
    # Past the limit, the rows seen so far are the bound; the last page is exact.
    body = api_client.get(f"{API}/transfers/", {"page_size": 5, "page": 5}).json()
    assert (body["count"], body["count_is_exact"]) == (26, False)
    body = api_client.get(f"{API}/transfers/", {"page_size": 5, "page": 8}).json()
    assert (body["count"], body["count_is_exact"]) == (37, True)


@pytest.mark.parametrize("size", ["0", "-3", "abc", "1.5"])
def test_a_bad_page_size_is_a_400(api_client, size):
    response = api_client.get(f"{API}/transfers/", {"page_size": size})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_huge_page_size_is_capped(api_client, transfers):
    body = api_client.get(f"{API}/transfers/", {"page_size": 10**12}).json()
    assert len(body["results"]) == 37


@pytest.mark.parametrize("params", ORDERINGS, ids=str)
def test_numbered_pages_past_the_first_are_the_slices_of_the_whole_list(
    api_client, transfers, params
):
    # Past the first page the paginator finds the page's keys first, then
    # reads their rows: the pages must still be the whole list, cut in order.
    whole = numbered(api_client, f"{API}/transfers/", params)
    pages = []
    for number in range(1, -(-len(whole) // 5) + 1):
        body = api_client.get(
            f"{API}/transfers/", {**params, "page_size": 5, "page": number}
        ).json()
        pages.extend(item["id"] for item in body["results"])
        assert body["count"] == len(whole)
    assert pages == whole


def test_a_ranked_search_keeps_its_order_past_the_first_page(api_client, transfers):
    term = Transfer.objects.first().supplier.name.split()[0]
    whole = numbered(api_client, f"{API}/transfers/", {"search": term})
    second = api_client.get(f"{API}/transfers/", {"search": term, "page_size": 2, "page": 2})
    assert len(whole) > 2
    assert [item["id"] for item in second.json()["results"]] == whole[2:4]


def test_a_deeper_page_reads_its_keys_without_the_columns_joins(api_client, transfers):
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(f"{API}/transfers/", {"page_size": 5, "page": 3}).status_code == 200
    [page] = [query["sql"] for query in queries if "OFFSET 10" in query["sql"]]
    inner = page[page.index("IN (SELECT") :]
    # The keys come from transfers alone; the actors' columns are read only
    # for the five rows of the page.
    assert "actors_actor" not in inner[: inner.index("OFFSET")]
    assert '"actors_actor"."slug"' in page


def test_numbered_pages_link_both_ways(api_client, transfers):
    body = api_client.get(f"{API}/transfers/", {"page_size": 10, "page": 2}).json()
    assert "page=3" in body["next"]
    assert "page=" not in body["previous"]
    assert api_client.get(f"{API}/transfers/", {"page": 99}).status_code == 404


# Found at 200,000 transfers: `citations/?page=7000` took 4.1 s, since an
# OFFSET reads and drops every row before the page. Numbered pages now stop
# at MAX_PAGE_DEPTH rows; past it, the 400 points to the cursor.
DEEP_LISTS = [
    "actors/",
    "systems/",
    "transfers/",
    "status-events/",
    "sources/",
    "citations/",
    "flows/",
    "deleted/?since=2000-01-01T00:00:00Z",
]


@pytest.mark.parametrize("path", DEEP_LISTS)
def test_a_page_beyond_the_depth_bound_is_a_400_that_points_to_the_cursor(api_client, path):
    last = pagination.MAX_PAGE_DEPTH // 50
    url = f"{API}/{path}{'&' if '?' in path else '?'}"
    # The deepest numbered page is a page like any other (here past the end: 404).
    assert api_client.get(f"{url}page={last}").status_code == 404
    response = api_client.get(f"{url}page={last + 1}")
    assert response.status_code == 400
    assert "cursor=" in response.json()["page"][0]
    # With a larger page the bound comes sooner: it is counted in rows.
    assert api_client.get(f"{url}page={last // 10 + 1}&page_size=500").status_code == 400


def test_the_depth_bound_lets_a_record_history_be_paged_only_so_far(api_client, transfers):
    url = f"{API}/transfers/{transfers[0].pk}/history/"
    assert api_client.get(url, {"page": 1}).status_code == 200
    response = api_client.get(url, {"page": pagination.MAX_PAGE_DEPTH})
    assert response.status_code == 400
