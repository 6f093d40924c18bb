"""RowsByIds reads what the ORM reads, and on PostgreSQL plans its query once
per connection (a prepared statement)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actors.models import Actor
from common.rows import RowsByIds
from transfers.api import representation
from transfers.demo_data import generate
from transfers.models import Citation, CitationRelay, Transfer

pytestmark = pytest.mark.django_db

PARTS = {
    "intermediaries": representation.INTERMEDIARY_ROWS,
    "values": representation.VALUE_ROWS,
    "events": representation.EVENT_ROWS,
    "citations": representation.CITATION_ROWS,
    "relays": representation.RELAY_ROWS,
}


@pytest.fixture
def records(db):
    """The seed and generated transfers: every kind of part, some of them many."""
    call_command("load_seed", verbosity=0)
    generate(transfers=200, seed=5, batch_size=50)


def keys_of(part: RowsByIds) -> list[int]:
    model = part.queryset.model
    return sorted(set(model.objects.exclude(**{part.key: None}).values_list(part.key, flat=True)))


@pytest.mark.parametrize("name", PARTS)
def test_the_rows_are_the_orms_in_its_order(records, name):
    part = PARTS[name]
    keys = keys_of(part)
    assert len(keys) > 5, "too few records to compare"
    # Some keys with rows, some without, in no particular order.
    asked = keys[::3][::-1] + [max(keys) + 1000]
    rows = part.rows(asked)
    assert rows, "nothing read"
    assert rows == list(part.orm(asked))


def test_no_ids_read_nothing(records):
    with CaptureQueriesContext(connection) as queries:
        assert representation.CITATION_ROWS.rows([]) == []
    assert len(queries) == 0


def test_the_query_is_logged_as_any_other(records):
    ids = list(Transfer.objects.values_list("id", flat=True)[:10])
    with CaptureQueriesContext(connection) as queries:
        representation.CITATION_ROWS.rows(ids)
    [query] = queries.captured_queries
    assert "sources_citation" in query["sql"]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_on_postgresql_it_is_one_prepared_statement_whatever_the_ids(records):
    ids = list(Transfer.objects.order_by("id").values_list("id", flat=True))
    for size in (1, 7, 40, 100):
        representation.EVENT_ROWS.rows(ids[:size])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%transfers_statusevent%ANY%"],
        )
        statements = cursor.fetchall()
    # One statement for four different numbers of ids: parsed and planned once.
    assert len(statements) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL reads raw rows")
def test_a_column_that_needs_a_converter_is_refused(records):
    # An actor's aliases are JSON, decoded by their field: raw rows would not be the ORM's.
    aliases = RowsByIds(Actor.objects.order_by("id"), "id", ("id", "aliases"))
    with pytest.raises(TypeError, match="converters"):
        aliases.rows([Actor.objects.first().pk])


def test_relays_are_read_by_their_citations(records):
    citations = list(Citation.objects.filter(relays__isnull=False).values_list("id", flat=True)[:5])
    rows = representation.RELAY_ROWS.rows(citations)
    assert {row[0] for row in rows} == set(citations)
    assert len(rows) == CitationRelay.objects.filter(citation_id__in=citations).count()
