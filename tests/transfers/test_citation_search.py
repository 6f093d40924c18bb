"""Citation search reads a stored, GIN-indexed document (transfers/citation_search_index.py).

Found at 200,000 transfers: `citations/?search=missile` took 2.6 s, since
every quote's vector was computed per row, per request. On PostgreSQL the
document is stored and every write that changes a searched field leaves it
equal to one computed afresh from CITATION_SEARCH; on SQLite nothing is
stored and search falls back to a substring match.
"""

import dataclasses

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast

from common import search as search_seam
from sources.factories import SourceFactory
from tests.helpers import API
from transfers import citation_search_index
from transfers.factories import CitationFactory, TransferFactory
from transfers.models import Citation
from transfers.search import CITATION_SEARCH

pytestmark = pytest.mark.django_db

CITATIONS = f"{API}/citations/"
INDEX = "sources_citation_search_document_gin"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="stored search documents exist on PostgreSQL only (set DATABASE_URL to one)",
)


def stale_documents():
    """(id, stored, fresh) of every citation whose stored document is not
    what CITATION_SEARCH computes now."""
    fresh = search_seam.search_vector(Citation, CITATION_SEARCH)
    rows = Citation.objects.annotate(
        stored_text=Cast("search_document", TextField()), fresh_text=Cast(fresh, TextField())
    ).values_list("pk", "stored_text", "fresh_text")
    return [row for row in rows if row[1] != row[2] or not row[1]]


def found(client, text):
    response = client.get(CITATIONS, {"search": text, "page_size": 500})
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture
def quoted():
    transfer = TransferFactory()
    return [
        CitationFactory(transfer=transfer, quote="The missile battery was delivered by rail."),
        CitationFactory(transfer=transfer, quote="Drones were shipped by sea.", note="missile?"),
        CitationFactory(transfer=transfer, quote="Nothing relevant here."),
    ]


def test_search_finds_quotes_and_notes_on_every_database(api_client, quoted):
    assert sorted(found(api_client, "missile")) == sorted([quoted[0].pk, quoted[1].pk])


@pytest.mark.postgres
@on_postgresql
def test_the_citation_search_reads_the_stored_document(quoted):
    sql = str(search_seam.search(Citation.objects.all(), "missile", CITATION_SEARCH).query)
    assert '"sources_citation"."search_document" @@ (websearch_to_tsquery' in sql
    assert "to_tsvector" not in sql
    assert stale_documents() == []


@pytest.mark.postgres
@on_postgresql
def test_a_citation_search_uses_the_gin_index(quoted):
    with connection.cursor() as cursor:
        # A table this small is cheaper to scan; forbid that to see the index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_seam.search(Citation.objects.all(), "missile", CITATION_SEARCH).explain()
    assert INDEX in plan


@pytest.mark.postgres
@on_postgresql
def test_ranking_is_the_same_as_with_the_vector_computed_on_the_fly(quoted):
    on_the_fly = dataclasses.replace(CITATION_SEARCH, document_field=None)

    def ranked(spec):
        rows = search_seam.search(Citation.objects.all(), "missile OR drones", spec)
        return [(pk, round(rank, 6)) for pk, rank in rows.values_list("pk", search_seam.RANK)]

    assert len(ranked(on_the_fly)) == 2
    assert ranked(CITATION_SEARCH) == ranked(on_the_fly)


@pytest.mark.postgres
@on_postgresql
def test_api_writes_keep_the_document_true(editor, api_client):
    transfer = TransferFactory()
    source = SourceFactory()
    created = editor.post(
        CITATIONS,
        {"transfer": transfer.pk, "source": source.pk, "quote": "A howitzer was seen."},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert found(api_client, "howitzer") == [pk]
    changed = editor.patch(f"{CITATIONS}{pk}/", {"quote": "A tank was seen."}, format="json")
    assert changed.status_code == 200, changed.content
    assert found(api_client, "howitzer") == []
    assert found(api_client, "tank") == [pk]
    editor.patch(f"{CITATIONS}{pk}/", {"location": "page 12"}, format="json")
    assert found(api_client, "page") == [pk]
    assert stale_documents() == []


@pytest.mark.postgres
@on_postgresql
def test_a_save_of_other_fields_leaves_the_document_alone(quoted, django_assert_num_queries):
    with django_assert_num_queries(0):
        citation_search_index._citation_saved(
            Citation, quoted[0], False, False, "default", update_fields={"stance"}
        )


@pytest.mark.postgres
@on_postgresql
def test_the_rebuild_command_repairs_documents_written_around_the_application(quoted):
    Citation.objects.filter(pk=quoted[2].pk).update(quote="Artillery shells.")
    assert [row[0] for row in stale_documents()] == [quoted[2].pk]
    call_command("rebuild_search_index", "--no-progress", verbosity=0)
    assert stale_documents() == []


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite path")
def test_sqlite_stores_nothing_and_spends_no_query(quoted, django_assert_num_queries):
    assert set(Citation.objects.values_list("search_document", flat=True)) == {None}
    with django_assert_num_queries(0):
        assert citation_search_index.rebuild() == 0
