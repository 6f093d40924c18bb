"""The transfers' stored search documents (transfers/search_index.py).

On PostgreSQL every kind of write that changes what a transfer's search
covers must leave each stored document equal to one computed afresh from
TRANSFER_SEARCH; searches must read the stored column through its GIN index
and rank exactly as the on-the-fly vector did. On SQLite there is no stored
document: the column stays empty and keeping it costs no query.
"""

import dataclasses
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actors.factories import ActorFactory
from actors.models import Actor
from common import search as search_seam
from editorial.services import actor_merge, system_merge
from tests.helpers import API
from transfers import search_index
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import Citation, Transfer, TransferIntermediary
from transfers.restore import transfer_restore
from transfers.search import TRANSFER_SEARCH
from transfers.services import transfer_set_intermediaries

pytestmark = pytest.mark.django_db

SEED = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
INDEX = "transfers_transfer_search_document_gin"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="stored search documents exist on PostgreSQL only (set DATABASE_URL to one)",
)
postgresql_only = [pytest.mark.postgres, on_postgresql]


def documents():
    """(id, stored document, freshly computed document) of every transfer, as text."""
    fresh = search_seam.search_vector(Transfer, TRANSFER_SEARCH)
    return list(
        Transfer.objects.annotate(
            stored_text=Cast("search_document", TextField()),
            fresh_text=Cast(fresh, TextField()),
        )
        .order_by("pk")
        .values_list("pk", "stored_text", "fresh_text")
    )


def assert_documents_fresh(expected_count=None):
    rows = documents()
    assert rows, "no transfers to check"
    if expected_count is not None:
        assert len(rows) == expected_count
    stale = [(pk, stored, fresh) for pk, stored, fresh in rows if stored != fresh]
    assert stale == []
    assert all(stored for _, stored, _ in rows)


def stored(transfer):
    return Transfer.objects.filter(pk=transfer.pk).values_list(
        Cast("search_document", TextField()), flat=True
    )[0]


def transfer_updates(queries):
    """The refreshes of stored documents among `queries`."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('UPDATE "transfers_transfer" SET "search_document" = (SELECT')
    ]


@pytest.fixture
def documented(russia, iran, s300):
    """Two transfers with an intermediary and citations, and an unrelated one."""
    armenia = ActorFactory(slug="armenia", name="Armenia", aliases=["Hayastan"])
    first = TransferFactory(supplier=russia, recipient=iran, system=s300, notes="Delivered late.")
    TransferIntermediary.objects.create(transfer=first, actor=armenia, position=1)
    CitationFactory(transfer=first, quote="Officials confirmed the shipment.")
    second = TransferFactory(supplier=iran, recipient=russia, system=s300)
    CitationFactory(transfer=second, quote="Drones were shipped by sea.")
    other = TransferFactory()
    return {"first": first, "second": second, "other": other, "armenia": armenia}


# --- on SQLite: nothing stored, nothing spent ----------------------------------------


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite path")
def test_sqlite_keeps_no_document_and_spends_no_query(documented, django_assert_num_queries):
    assert set(Transfer.objects.values_list("search_document", flat=True)) == {None}
    with django_assert_num_queries(0):
        assert search_index.refresh_transfer_ids([documented["first"].pk]) == 0
        assert search_index.refresh_for_actor(documented["armenia"].pk) == 0
        assert search_index.refresh_for_system(documented["first"].system_id) == 0
        assert search_index.rebuild() == 0
    # A rename costs the save and its history row, nothing more.
    with CaptureQueriesContext(connection) as queries:
        documented["armenia"].name = "Republic of Armenia"
        documented["armenia"].save()
    assert transfer_updates(queries.captured_queries) == []
    assert not any("transfers_transfer" in q["sql"] for q in queries.captured_queries)


def test_rebuild_command_runs_on_every_database(documented):
    call_command("rebuild_search_index", "--no-progress", verbosity=0)
    if connection.vendor == "postgresql":
        assert_documents_fresh(expected_count=3)
    else:
        assert set(Transfer.objects.values_list("search_document", flat=True)) == {None}


# --- PostgreSQL: kept true after every kind of write -----------------------------------


class TestKeptTrue:
    pytestmark = postgresql_only

    def test_factory_writes(self, documented):
        assert_documents_fresh(expected_count=3)
        assert "armenia" in stored(documented["first"])
        assert "shipment" in stored(documented["first"])

    def test_api_create_and_update(self, editor, documented, russia, iran, s300):
        ActorFactory(slug="syria", name="Syria", aliases=["Syrian Arab Republic"])
        response = editor.post(
            f"{API}/transfers/",
            {
                "supplier": "russia",
                "recipient": iran.pk,
                "system": "s-300",
                "intermediaries": ["syria"],
                "notes": "Flown via Latakia.",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        created = Transfer.objects.get(pk=response.json()["id"])
        assert "latakia" in stored(created) and "syrian" in stored(created)
        assert_documents_fresh()

        response = editor.patch(
            f"{API}/transfers/{created.pk}/",
            {"supplier": documented["armenia"].slug, "intermediaries": [], "notes": ""},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert "hayastan" in stored(created) and "syrian" not in stored(created)
        assert_documents_fresh()

    def test_model_save(self, documented):
        transfer = documented["other"]
        transfer.notes = "Helicopters for the navy."
        transfer.save()
        assert "helicopt" in stored(transfer)
        assert_documents_fresh()

    def test_admin_rename(self, admin_client, documented, russia):
        response = admin_client.post(
            reverse("admin:actors_actor_change", args=[russia.pk]),
            {
                "name": "Rossiya",
                "slug": "russia",
                "kind": "state",
                "country": "RU",
                "aliases": "Russian Federation",
                "relations-TOTAL_FORMS": "0",
                "relations-INITIAL_FORMS": "0",
                "wikidata_id": "",
                "description": "",
            },
        )
        assert response.status_code == 302
        assert "rossiya" in stored(documented["first"])
        assert_documents_fresh()

    def test_a_status_change_leaves_the_document_alone(self, documented):
        transfer = documented["first"]
        with CaptureQueriesContext(connection) as queries:
            StatusEventFactory(transfer=transfer, stage="cancelled")
        transfer.refresh_from_db()
        assert transfer.stage == "cancelled"
        assert transfer_updates(queries.captured_queries) == []
        assert_documents_fresh()

    def test_intermediaries_added_and_removed(self, documented):
        transfer = documented["second"]
        houthis = ActorFactory(name="Houthis", aliases=["Ansar Allah"])
        transfer_set_intermediaries(transfer, [houthis, documented["armenia"]])
        assert "houthi" in stored(transfer) and "armenia" in stored(transfer)
        assert_documents_fresh()
        TransferIntermediary.objects.filter(transfer=transfer, actor=houthis).delete()
        assert "houthi" not in stored(transfer)
        assert_documents_fresh()
        link = TransferIntermediary.objects.get(transfer=transfer)
        link.actor = houthis
        link.save()
        assert "houthi" in stored(transfer) and "armenia" not in stored(transfer)
        assert_documents_fresh()

    def test_citations_added_changed_moved_and_deleted(self, documented):
        first, second = documented["first"], documented["second"]
        citation = CitationFactory(transfer=second, quote="Satellite imagery of launchers.")
        assert "satellit" in stored(second)
        assert_documents_fresh()
        citation.quote = "Photographs of radars."
        citation.save()
        assert "radar" in stored(second) and "satellit" not in stored(second)
        assert_documents_fresh()
        citation.transfer = first
        citation.save()
        assert "radar" in stored(first) and "radar" not in stored(second)
        assert_documents_fresh()
        citation.delete()
        assert "radar" not in stored(first)
        assert_documents_fresh()

    def test_a_citation_change_beside_the_quote_rewrites_nothing(self, documented):
        citation = Citation.objects.filter(transfer=documented["first"]).first()
        with CaptureQueriesContext(connection) as queries:
            citation.location = "paragraph 9"
            citation.save()
        assert transfer_updates(queries.captured_queries) == []

    def test_deleting_a_transfer_refreshes_nothing(self, documented):
        with CaptureQueriesContext(connection) as queries:
            documented["first"].delete()
            Transfer.objects.filter(pk=documented["second"].pk).delete()
        assert transfer_updates(queries.captured_queries) == []
        assert_documents_fresh(expected_count=1)

    def test_actor_rename_and_aliases(self, documented, russia):
        russia.name = "Russian Federation"
        russia.save()
        assert "feder" in stored(documented["first"]) and "feder" in stored(documented["second"])
        assert_documents_fresh()
        armenia = Actor.objects.get(pk=documented["armenia"].pk)
        armenia.aliases = ["Hayk"]
        armenia.save()
        assert "hayk" in stored(documented["first"])
        assert_documents_fresh()

    def test_an_actor_change_beside_its_names_rewrites_nothing(self, documented, russia):
        with CaptureQueriesContext(connection) as queries:
            russia.country = "BY"
            russia.description = "Edited."
            russia.save()
        assert transfer_updates(queries.captured_queries) == []
        assert_documents_fresh()

    def test_system_designation_aliases_and_nato_name(self, documented, s300):
        s300.designation = "S-300PMU"
        s300.save()
        assert "s-300pmu" in stored(documented["first"])
        s300.aliases = ["Favorit"]
        s300.nato_reporting_name = "SA-20 Gargoyle"
        s300.save()
        assert "gargoyl" in stored(documented["second"]) and "favorit" in stored(
            documented["second"]
        )
        assert_documents_fresh()

    def test_a_system_change_beside_its_names_rewrites_nothing(self, documented, s300):
        with CaptureQueriesContext(connection) as queries:
            s300.description = "Long-range air defence."
            s300.save()
        assert transfer_updates(queries.captured_queries) == []

    def test_fixture_load(self):
        call_command("loaddata", str(SEED), verbosity=0)
        assert_documents_fresh(expected_count=31)
        # Loading it again over itself changes nothing and keeps them true.
        call_command("loaddata", str(SEED), verbosity=0)
        assert_documents_fresh(expected_count=31)

    def test_actor_merge(self, documented, russia):
        duplicate = ActorFactory(name="Armenian Republic", aliases=["Haiastan"])
        moved = TransferFactory(supplier=duplicate, recipient=russia)
        via = TransferFactory()
        TransferIntermediary.objects.create(transfer=via, actor=duplicate, position=1)
        with CaptureQueriesContext(connection) as queries:
            actor_merge(keep=documented["armenia"], duplicate=duplicate)
        # The merge saves many rows but refreshes the documents once.
        assert len(transfer_updates(queries.captured_queries)) == 1
        assert "armenia" in stored(moved) and "haiastan" in stored(documented["first"])
        assert "haiastan" in stored(via)
        assert_documents_fresh()

    def test_system_merge(self, documented, s300, russia):
        sa10 = SystemFactory(designation="SA-10", slug="sa-10", aliases=["S-300P"], origin=russia)
        moved = TransferFactory(system=sa10)
        system_merge(keep=s300, duplicate=sa10)
        assert "'s-300p'" in stored(moved) and "'s-300p'" in stored(documented["first"])
        assert_documents_fresh()

    def test_transfer_restore(self, documented):
        transfer = documented["first"]
        transfer_id, before = transfer.pk, stored(transfer)
        transfer.delete()
        restored = transfer_restore(transfer_id=transfer_id)
        assert stored(restored) == before
        assert_documents_fresh()

    def test_batched_refreshes_once_at_the_end(self, documented):
        first, second = documented["first"], documented["second"]
        with CaptureQueriesContext(connection) as queries, search_index.batched():
            first.notes = "Changed."
            first.save()
            CitationFactory(transfer=second, quote="Another report.")
            assert transfer_updates(queries.captured_queries) == []
        assert len(transfer_updates(queries.captured_queries)) == 1
        assert_documents_fresh()

    def test_rebuild_mends_every_document_in_batches(self, documented):
        Transfer.objects.update(search_document=None)
        assert all(stored is None for _, stored, _ in documents())
        batches = []
        count = search_index.rebuild(batch_size=1, progress=batches.append)
        assert count == 3
        assert sum(batches) == 3 and len(batches) >= 3
        assert_documents_fresh(expected_count=3)

    def test_rebuild_command(self, documented):
        Transfer.objects.update(search_document=None)
        call_command("rebuild_search_index", "--batch-size", "2", "--no-progress", verbosity=0)
        assert_documents_fresh(expected_count=3)

    def test_demo_data(self):
        from transfers.demo_data import generate

        indexed = []
        generate(transfers=40, seed=5, batch_size=15, index_progress=indexed.append)
        assert sum(indexed) == 40
        assert_documents_fresh(expected_count=40)


def test_whom_a_claim_is_attributed_to_is_searched_and_kept_up_to_date(api_client, documented):
    first = documented["first"]
    citation = first.citations.get()

    def found(term):
        body = api_client.get(f"{API}/transfers/", {"search": term}).json()
        return [item["id"] for item in body["results"]]

    assert found("Zorgblatt") == []
    citation.attributed_to = "the Zorgblatt agency"
    citation.save()
    assert found("Zorgblatt") == [first.pk]
    if connection.vendor == "postgresql":
        assert_documents_fresh()
    citation.attributed_to = ""
    citation.save()
    assert found("Zorgblatt") == []


# --- PostgreSQL: searches use the stored column, its index, and rank as before -----


@pytest.fixture
def seed(db):
    call_command("loaddata", str(SEED), verbosity=0)


TERMS = ["S-300", "Iran", "Shahed OR Geran", "confirmed", '"rocket launchers"', "Iran -Ukraine"]


@pytest.mark.postgres
@on_postgresql
def test_search_reads_the_stored_document(seed):
    sql = str(search_seam.search(Transfer.objects.all(), "Iran", TRANSFER_SEARCH).query)
    assert '"transfers_transfer"."search_document" @@ (websearch_to_tsquery' in sql
    assert 'ts_rank("transfers_transfer"."search_document"' in sql
    assert "to_tsvector" not in sql


@pytest.mark.postgres
@on_postgresql
@pytest.mark.parametrize("term", TERMS)
def test_ranking_is_the_same_as_with_the_vector_computed_on_the_fly(seed, term):
    on_the_fly = dataclasses.replace(TRANSFER_SEARCH, document_field=None)

    def ranked(spec):
        found = search_seam.search(Transfer.objects.all(), term, spec)
        return [(pk, round(rank, 6)) for pk, rank in found.values_list("pk", search_seam.RANK)]

    expected = ranked(on_the_fly)
    assert expected, f"the seed should match {term!r}"
    assert ranked(TRANSFER_SEARCH) == expected


@pytest.mark.postgres
@on_postgresql
def test_the_gin_index_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexname = %s",
            ["transfers_transfer", INDEX],
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_document)" in definition


@pytest.mark.postgres
@on_postgresql
def test_a_search_uses_the_gin_index(seed):
    with connection.cursor() as cursor:
        # On a table this small a sequential scan is cheaper; forbid it to
        # see that the index can serve the search.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_seam.search(Transfer.objects.all(), "Iran", TRANSFER_SEARCH).explain()
    assert INDEX in plan


@pytest.mark.postgres
@on_postgresql
def test_the_api_searches_the_stored_document(api_client, seed):
    response = api_client.get(f"{API}/transfers/", {"search": "Shahed", "page_size": 100})
    assert response.status_code == 200
    found = response.json()["results"]
    assert found
    expected = search_seam.search(Transfer.objects.all(), "Shahed", TRANSFER_SEARCH)
    assert [item["id"] for item in found] == list(expected.values_list("pk", flat=True))
    assert "search_document" not in found[0]
