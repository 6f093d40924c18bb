"""A list page costs the same number of queries at any page size (no N+1).

Each list is filled with records whose every relation the serializer shows
is set, one more than the page holds (so the page needs its count query),
then read at page sizes 1 and 100: the number must not move.
"""

import pytest

from actors.factories import ActorFactory, ActorRelationFactory
from sources.factories import SourceFactory
from tests.helpers import API, documented_transfer
from transfers.factories import (
    CitationFactory,
    ContradictionFactory,
    PackageFactory,
    SystemFactory,
    TransferFactory,
    ValueFactory,
)
from transfers.models import StatusEvent

pytestmark = pytest.mark.django_db


def _actors(n):
    # Each with a relation of its own and one to it.
    state = ActorFactory()
    for actor in ActorFactory.create_batch(n):
        ActorRelationFactory(actor=actor, kind="part_of", related=state)
        ActorRelationFactory(related=actor)


def _actor_relations(n):
    ActorRelationFactory.create_batch(n)


def _systems(n):
    SystemFactory.create_batch(n)


def _transfers(n):
    package = PackageFactory()
    for _ in range(n):
        transfer = documented_transfer(package=package)
        ValueFactory(transfer=transfer, citation=transfer.citations.first())


def _status_events(n):
    for _ in range(-(-n // 2)):
        documented_transfer()


def _sources(n):
    original = SourceFactory()
    SourceFactory.create_batch(n, copy_of=original)


def _packages(n):
    for package in PackageFactory.create_batch(n):
        ValueFactory(transfer=None, package=package, kind="package")
        TransferFactory(package=package)


def _values(n):
    transfer = documented_transfer()
    ValueFactory.create_batch(n, transfer=transfer, citation=transfer.citations.first())


def _citations(n):
    event = StatusEvent.objects.filter(pk=documented_transfer().status_events.last().pk).get()
    CitationFactory.create_batch(n, transfer=event.transfer, status_event=event)


def _contradictions(n):
    transfer = documented_transfer()
    citations, events = list(transfer.citations.all()), list(transfer.status_events.all())
    ContradictionFactory.create_batch(
        n, transfer=transfer, citations=citations, status_events=events
    )


# endpoint: (how to fill it, queries per page): a capped COUNT and one SELECT
# with its joins, plus, for transfers, one query each for intermediaries
# (with their actors), values, status events and citations (with their
# sources), and for packages one each for their transfers and their values.
LISTS = {
    # plus the actors' relations and the relations to them (with the other actor)
    "actors": (_actors, 4),
    "actor-relations": (_actor_relations, 2),
    "systems": (_systems, 2),
    # intermediaries (with their actors), values, status history, citations (with
    # sources), the reports the citations relay
    "transfers": (_transfers, 7),
    "status-events": (_status_events, 2),
    "sources": (_sources, 2),
    "citations": (_citations, 4),  # their transfers with parties, and the reports they relay
    "packages": (_packages, 4),
    "values": (_values, 2),
    # citations (with their sources), status events
    "contradictions": (_contradictions, 4),
}


@pytest.mark.parametrize("n", [1, 100])
@pytest.mark.parametrize("endpoint", LISTS)
def test_list_query_count_is_flat(api_client, django_assert_num_queries, endpoint, n):
    fill, queries = LISTS[endpoint]
    fill(n + 1)
    with django_assert_num_queries(queries):
        response = api_client.get(f"{API}/{endpoint}/", {"page_size": n})
    assert response.status_code == 200
    assert len(response.json()["results"]) == n
    assert response.json()["count"] >= n + 1


@pytest.mark.parametrize("endpoint", LISTS)
def test_a_page_that_is_the_last_needs_no_count(api_client, django_assert_num_queries, endpoint):
    fill, queries = LISTS[endpoint]
    fill(3)
    total = api_client.get(f"{API}/{endpoint}/").json()["count"]
    with django_assert_num_queries(queries - 1):
        response = api_client.get(f"{API}/{endpoint}/", {"page_size": total})
    assert response.json()["count"] == total
    assert response.json()["count_is_exact"] is True


def test_filtered_and_searched_transfer_list_stays_flat(api_client, django_assert_num_queries):
    for _ in range(31):
        documented_transfer()
    params = {"page_size": 30, "stage": "agreed", "year_from": 2010, "search": "State"}
    with django_assert_num_queries(7):
        response = api_client.get(f"{API}/transfers/", params)
    assert len(response.json()["results"]) == 30


@pytest.mark.parametrize("endpoint", ["actors", "transfers", "sources", "packages", "values"])
def test_detail_reads_in_a_fixed_number_of_queries(
    api_client, django_assert_max_num_queries, endpoint
):
    _transfers(3)
    _sources(3)
    record = api_client.get(f"{API}/{endpoint}/", {"page_size": 1}).json()["results"][0]
    # A transfer: itself, then its intermediaries, values, events, citations and relays.
    with django_assert_max_num_queries(6 if endpoint == "transfers" else 4):
        assert api_client.get(record["url"]).status_code == 200


def test_slug_and_id_filters_cost_no_lookup_queries(api_client, django_assert_num_queries):
    transfers = [documented_transfer() for _ in range(3)]
    first = transfers[0]
    params = {
        "page_size": 1,
        "supplier": first.supplier.slug,
        "recipient_id": first.recipient_id,
        "system": first.system.slug,
        "party": first.supplier.slug,
    }
    with django_assert_num_queries(6):  # a lone, last page: no count either
        response = api_client.get(f"{API}/transfers/", params)
    assert [item["id"] for item in response.json()["results"]] == [first.pk]


def test_a_filter_naming_no_record_is_a_400_when_nothing_matches(api_client):
    transfer = documented_transfer()
    response = api_client.get(f"{API}/transfers/", {"supplier": "no-such-actor"})
    assert response.status_code == 400
    assert response.json()["supplier"] == ["There is no actor with the slug 'no-such-actor'."]
    response = api_client.get(f"{API}/transfers/", {"system_id": 987654})
    assert response.json()["system_id"] == ["There is no system with the id '987654'."]
    # Beside a slug that matches, an unknown one narrows nothing and is let be.
    both = {"supplier": [transfer.supplier.slug, "no-such-actor"]}
    assert api_client.get(f"{API}/transfers/", both).json()["count"] == 1
