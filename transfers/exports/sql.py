"""Queries the exports share: many ids as one array parameter, ranges for
dense ids, and rows read straight from the cursor."""

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, QuerySet

from common.rows import AnyOf

from ..models import Transfer


def in_id_order(transfers: QuerySet) -> QuerySet:
    """The transfers that match `transfers` (filtered, perhaps searched), in id
    order, as a plain queryset: `pk__in` drops whatever ranking, joins or
    DISTINCT a filter added, so each transfer comes once."""
    return Transfer.objects.filter(pk__in=transfers.order_by().values("pk")).order_by("id")


def one_of(queryset: QuerySet, field: str, ids: list[int]) -> QuerySet:
    """`queryset` narrowed to rows whose `field` is one of `ids`."""
    if connections[queryset.db].vendor == "postgresql":
        return queryset.filter(AnyOf(F(field), ids))
    return queryset.filter(**{f"{field}__in": ids})


def of_transfers(queryset: QuerySet, ids: list[int]) -> QuerySet:
    """`queryset` narrowed to rows of the transfers `ids` (ascending) — or, when
    the ids are dense, of every transfer in their range: an index range scan
    costs PostgreSQL far less than one index search per id, and the callers
    only look up the ids they asked for."""
    queryset = queryset.filter(transfer_id__gte=ids[0], transfer_id__lte=ids[-1])
    if ids[-1] - ids[0] < 2 * len(ids):
        return queryset
    return one_of(queryset, "transfer_id", ids)


def raw_rows(queryset: QuerySet) -> list[tuple]:
    """The rows of a `values_list` queryset, straight from the cursor.

    Django's iterable copies each row a few times over; across millions of
    rows that is seconds. The columns read here need no conversion: the
    backends return dates and booleans as such (or, for booleans, as 0 and 1)."""
    try:
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
