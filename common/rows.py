"""Rows of one query by a list of ids, its SQL compiled once and, on
PostgreSQL, prepared.

A page of records reads its parts (a transfer's intermediaries, values,
events, citations, the reports they relay) by the page's ids. Through the
ORM, `filter(transfer_id__in=ids)` is compiled again for every page, with
one parameter per id, each prepared by Django and bound into the SQL text
by psycopg's client-side cursor; the text differs from page to page, so
PostgreSQL parses and plans it every time. On a list page of 100 transfers
that is five queries and about 1,000 parameters.

`RowsByIds` compiles its query once per database with one parameter, an
array (`key = ANY(%s)`), and on PostgreSQL runs it on a server-binding
cursor that prepares it: PostgreSQL parses it once per connection and keeps
its plan. Django's own cursors bind on the client and never prepare, and it
sets no `prepare_threshold` for the sake of connection poolers in
transaction mode (PgBouncer before 1.21); config/settings.py sets one, as
this project connects to PostgreSQL directly (docker-compose.yml) and
psycopg keeps its statements per connection. Without a threshold these
queries still run, unprepared. On other databases (SQLite) the ORM's `__in`
query runs as it is.

The rows are the same either way: the columns are read as `values_list`
reads them, and on PostgreSQL a query whose columns need a converter
(a field's `from_db_value`) is refused at compile time, so raw rows can
never differ from the ORM's.
"""

from django.db import connections
from django.db.backends.postgresql.base import ServerBindingCursor
from django.db.models import F, Lookup

#: Stands for the ids in a query compiled once (`AnyOf` passes it as it is).
_IDS = object()


class AnyOf(Lookup):
    """`lhs = ANY(%s)` with the list as one array parameter (PostgreSQL).

    `__in` with thousands of values sends thousands of parameters, which
    Django and psycopg then prepare one by one: for a chunk of 2,000 ids
    that cost more than running the query."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return self.rhs if self.rhs is _IDS else list(self.rhs)

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)


class _PreparingCursor(ServerBindingCursor):
    """A server-binding cursor that prepares what it runs from its first
    run, not after psycopg's threshold of runs; with no threshold on the
    connection (Django sets none, config/settings.py does) psycopg prepares
    nothing and the query runs unprepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)

    def _send_query_prepared(self, name, query, *args, **kwargs):
        # psycopg keeps the query it ran (`_query`, which Django's query log
        # reads) only when it is not prepared; keep it here too.
        self._query = query
        return super()._send_query_prepared(name, query, *args, **kwargs)


class RowsByIds:
    """The rows of `queryset` (ordered) as `values_list(*columns)` reads them,
    for the records whose `key` is one of some ids."""

    def __init__(self, queryset, key: str, columns: tuple):
        self.queryset = queryset
        self.key = key
        self.columns = columns
        self._compiled: dict[str, tuple[str, tuple]] = {}

    def orm(self, ids):
        """The same rows through the ORM's `__in`, as other databases read them."""
        return self.queryset.filter(**{f"{self.key}__in": ids}).values_list(*self.columns)

    def rows(self, ids) -> list[tuple]:
        ids = list(ids)
        if not ids:
            return []
        connection = connections[self.queryset.db]
        if connection.vendor != "postgresql":
            return list(self.orm(ids))
        sql, params = self._sql(connection)
        connection.ensure_connection()
        raw = _PreparingCursor(connection.connection)
        # Django's wrapper, so execute_wrapper, query logging and
        # CaptureQueriesContext see this query as any other.
        cursor = (
            connection.make_debug_cursor(raw)
            if connection.queries_logged
            else connection.make_cursor(raw)
        )
        with cursor:
            cursor.execute(sql, [ids if param is _IDS else param for param in params])
            return cursor.fetchall()

    def _sql(self, connection) -> tuple[str, tuple]:
        if connection.alias not in self._compiled:
            queryset = self.queryset.filter(AnyOf(F(self.key), _IDS)).values_list(*self.columns)
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            if compiler.get_converters([column for column, *_ in compiler.select]):
                raise TypeError(
                    f"{self.queryset.model.__name__} rows of {self.columns} need converters; "
                    "read them with the ORM"
                )
            self._compiled[connection.alias] = (sql, tuple(params))
        return self._compiled[connection.alias]
