"""Search through the seam in common/search.py: ranked full-text search on
PostgreSQL, a substring match on SQLite."""

from unittest import mock

import pytest
from django.db import connection

from actors.factories import ActorFactory
from common import search as search_seam
from tests.helpers import API, results
from transfers.factories import CitationFactory, SystemFactory, TransferFactory
from transfers.models import TransferIntermediary

pytestmark = pytest.mark.django_db

TRANSFERS = f"{API}/transfers/"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text search needs PostgreSQL (set DATABASE_URL to a PostgreSQL database)",
)


@pytest.fixture
def corpus(russia, iran, s300):
    """Three transfers: one naming Shahed drones in its system, one only in a
    quote, one unrelated; plus an intermediary with an alias."""
    shahed = SystemFactory(
        slug="shahed-136", designation="Shahed-136", aliases=["Geran-2"], category="uav"
    )
    by_system = TransferFactory(supplier=iran, recipient=russia, system=shahed)
    by_quote = TransferFactory(supplier=russia, recipient=iran, system=s300)
    CitationFactory(transfer=by_quote, quote="Officials said Shahed drones were shipped too.")
    CitationFactory(transfer=by_quote, quote="A second report of Shahed shipments.")
    unrelated = TransferFactory(notes="Small arms shipment, later cancelled.")
    armenia = ActorFactory(slug="armenia", name="Armenia", aliases=["Hayastan"])
    TransferIntermediary.objects.create(transfer=unrelated, actor=armenia, position=1)
    return {"system": by_system.pk, "quote": by_quote.pk, "unrelated": unrelated.pk}


def found(api_client, text, **params):
    return [t["id"] for t in results(api_client.get(TRANSFERS, {"search": text, **params}))]


# --- on every database -----------------------------------------------------------


def test_search_reaches_aliases_quotes_notes_and_intermediaries(api_client, corpus):
    assert found(api_client, "Geran-2") == [corpus["system"]]
    assert set(found(api_client, "Shahed")) == {corpus["system"], corpus["quote"]}
    assert found(api_client, "Hayastan") == [corpus["unrelated"]]
    assert found(api_client, "cancelled") == [corpus["unrelated"]]


def test_a_transfer_matching_in_several_quotes_is_listed_once(api_client, corpus):
    assert found(api_client, "Shahed", ordering="id").count(corpus["quote"]) == 1


def test_a_blank_search_leaves_the_list_alone(api_client, corpus):
    assert len(found(api_client, "  ")) == 3


def test_the_fallback_is_a_substring_match_on_every_database(api_client, corpus):
    with mock.patch.object(search_seam, "uses_full_text", return_value=False):
        assert set(found(api_client, "ahed")) == {corpus["system"], corpus["quote"]}
        assert found(api_client, "SHIPMENTS") == [corpus["quote"]]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite path")
def test_sqlite_uses_the_fallback(corpus):
    from transfers.models import Transfer

    assert not search_seam.uses_full_text(Transfer.objects.all())


# --- PostgreSQL full-text search -------------------------------------------------


@pytest.mark.postgres
@on_postgresql
def test_postgresql_search_stems_words(api_client, corpus):
    # "shipment" finds "shipments" and "shipped"; a substring match would not.
    assert set(found(api_client, "shipment")) == {corpus["quote"], corpus["unrelated"]}


@pytest.mark.postgres
@on_postgresql
def test_postgresql_search_ranks_a_name_above_a_quote(api_client, corpus):
    assert found(api_client, "Shahed") == [corpus["system"], corpus["quote"]]


@pytest.mark.postgres
@on_postgresql
def test_postgresql_search_understands_websearch_syntax(api_client, corpus):
    assert found(api_client, "shipment -cancelled") == [corpus["quote"]]
    assert found(api_client, '"Shahed drones"') == [corpus["quote"]]
    assert set(found(api_client, "Hayastan OR Geran-2")) == {corpus["unrelated"], corpus["system"]}


@pytest.mark.postgres
@on_postgresql
def test_postgresql_ordering_overrides_the_rank(api_client, corpus):
    assert found(api_client, "Shahed", ordering="-id") == sorted(
        [corpus["system"], corpus["quote"]], reverse=True
    )


@pytest.mark.postgres
@on_postgresql
def test_postgresql_search_on_actors_and_systems(api_client, corpus, irgc):
    actors = results(api_client.get(f"{API}/actors/", {"search": "Sepah"}))
    assert [a["slug"] for a in actors] == ["irgc"]
    systems = results(api_client.get(f"{API}/systems/", {"search": "Geran"}))
    assert [s["slug"] for s in systems] == ["shahed-136"]


@pytest.mark.postgres
@on_postgresql
def test_postgresql_search_is_really_full_text(corpus):
    from transfers.models import Transfer

    queryset = search_seam.search(
        Transfer.objects.all(), "Shahed", search_seam.SearchSpec(fields={"notes": "A"})
    )
    sql = str(queryset.query)
    assert "websearch_to_tsquery" in sql
    assert "ts_rank" in sql


# Found at 200,000 transfers: `citations/?search=` with 300 ORed terms took
# 6.1 s. A search is capped in words and characters, with a 400 beyond.
SEARCHED_LISTS = ["transfers/", "actors/", "systems/", "sources/", "citations/", "flows/"]


@pytest.mark.parametrize("path", SEARCHED_LISTS)
def test_a_search_with_too_many_terms_is_a_400(api_client, path):
    many = " OR ".join(f"word{n}" for n in range(search_seam.MAX_SEARCH_TERMS + 1))
    response = api_client.get(f"{API}/{path}", {"search": many})
    assert response.status_code == 400
    assert f"at most {search_seam.MAX_SEARCH_TERMS} words" in response.json()["search"][0]
    enough = " OR ".join(f"word{n}" for n in range(search_seam.MAX_SEARCH_TERMS))
    assert api_client.get(f"{API}/{path}", {"search": enough}).status_code == 200


@pytest.mark.parametrize("path", SEARCHED_LISTS)
def test_a_search_that_is_too_long_is_a_400(api_client, path):
    response = api_client.get(
        f"{API}/{path}", {"search": "x" * (search_seam.MAX_SEARCH_LENGTH + 1)}
    )
    assert response.status_code == 400
    assert "search" in response.json()


def test_operators_and_quotes_do_not_count_as_terms():
    assert search_seam.search_terms('"S-300 Grumble" OR shahed -cancelled - x') == [
        "S-300",
        "Grumble",
        "shahed",
        "-cancelled",
        "x",
    ]


# Found at 1,000,000 transfers: ranking reads every match, so a word in every
# quote (`citations/?search=deal`) took 3.4 s. Past RANK_LIMIT matches the
# list comes in its default order, which an index serves a page at a time.


@pytest.fixture
def five_zebras(api_client):
    """Five transfers that all match `zebra`, ranked in the reverse of the
    default order (the last by default says it most often)."""
    from transfers.models import Transfer

    for _ in range(5):
        TransferFactory()
    default = [t["id"] for t in results(api_client.get(TRANSFERS))]
    for times, pk in enumerate(default, start=1):
        transfer = Transfer.objects.get(pk=pk)
        transfer.notes = " ".join(["zebra"] * times)
        transfer.save()
    return default


def walk(api_client, params):
    """Every id of a cursor walk, two a page."""
    ids, url, query = [], TRANSFERS, {**params, "cursor": "", "page_size": 2}
    while url:
        response = api_client.get(url, query)
        ids += [t["id"] for t in results(response)]
        url, query = response.json()["next"], None
    return ids


@pytest.mark.postgres
@on_postgresql
def test_few_matches_are_ranked(api_client, five_zebras, monkeypatch):
    monkeypatch.setattr(search_seam, "RANK_LIMIT", 5)
    ranked = five_zebras[::-1]
    assert found(api_client, "zebra") == ranked
    assert walk(api_client, {"search": "zebra"}) == ranked


@pytest.mark.postgres
@on_postgresql
def test_more_matches_than_the_rank_limit_come_in_the_default_order(
    api_client, five_zebras, monkeypatch
):
    monkeypatch.setattr(search_seam, "RANK_LIMIT", 3)
    response = api_client.get(TRANSFERS, {"search": "zebra", "page_size": 2})
    assert [t["id"] for t in results(response)] == five_zebras[:2]
    assert response.json()["count"] == 5
    assert found(api_client, "zebra", page_size=2, page=3) == five_zebras[4:]
    # Through the cursor, every row once, in the same order.
    assert walk(api_client, {"search": "zebra"}) == five_zebras
    # An explicit ordering still wins.
    assert found(api_client, "zebra", ordering="-id") == sorted(five_zebras, reverse=True)


@pytest.mark.postgres
@on_postgresql
@pytest.mark.parametrize("limits", [(5, 3), (3, 5)])
def test_a_cursor_made_in_one_mode_is_refused_in_the_other(
    api_client, five_zebras, monkeypatch, limits
):
    # Between two pages the matches grew past the limit (or fell below it).
    made, used = limits
    monkeypatch.setattr(search_seam, "RANK_LIMIT", made)
    first = api_client.get(TRANSFERS, {"search": "zebra", "cursor": "", "page_size": 2})
    monkeypatch.setattr(search_seam, "RANK_LIMIT", used)
    response = api_client.get(first.json()["next"])
    assert response.status_code == 400
    assert "another ordering" in response.json()["cursor"][0]
