"""Aggregates over transfers, computed in the database.

Each function takes a queryset of transfers already narrowed by the
transfer list's filters (TransferFilterSet) and returns rows, not models.
The filtered queryset is used as a `pk__in` subquery: a search can add
ranking annotations, joins or DISTINCT, any of which would distort a
GROUP BY laid over it directly.
"""

import calendar
import datetime
from collections.abc import Iterator
from itertools import groupby, pairwise
from operator import itemgetter

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, ExtractYear

from common.dates import DatePrecision

from .models import Citation, Transfer, TransferIntermediary

FLOW_ORDER = ("supplier__name", "supplier_id", "recipient__name", "recipient_id")


def narrowed(transfers: QuerySet) -> QuerySet:
    """Transfers matching `transfers`, without its ordering or annotations."""
    if not transfers.query.annotations and not transfers.query.distinct:
        # Filters alone: aggregate over them directly. Wrapping them in
        # `id IN (…)` would cost a semi-join over the whole table.
        return transfers.order_by()
    return Transfer.objects.filter(pk__in=transfers.order_by().values("pk")).order_by()


def flows(transfers: QuerySet, *, per_year: bool = False) -> QuerySet:
    """Supplier × recipient (× start year) rows: how many transfers, the sum
    of the quantities that are known and how many transfers have none."""
    keys = [
        "supplier_id",
        "supplier__slug",
        "supplier__name",
        "recipient_id",
        "recipient__slug",
        "recipient__name",
    ]
    queryset = narrowed(transfers)
    order = list(FLOW_ORDER)
    if per_year:
        queryset = queryset.annotate(year=ExtractYear("start_date"))
        keys.append("year")
        # Undated last on both databases (SQLite put NULL first, PostgreSQL last).
        order.append(F("year").asc(nulls_last=True))
    return (
        queryset.values(*keys)
        .annotate(
            transfers=Count("pk"),
            known_quantity=Sum("quantity"),
            unknown_quantity=Count("pk", filter=Q(quantity__isnull=True)),
        )
        .order_by(*order)
    )


def flow_keys(transfers: QuerySet, *, per_year: bool = False) -> QuerySet:
    """One row per flow of `flows`, keyed by ids only: as many rows, but
    countable from the (supplier, recipient) index without joins or sorting."""
    queryset = narrowed(transfers)
    keys = ["supplier_id", "recipient_id"]
    if per_year:
        queryset = queryset.annotate(year=ExtractYear("start_date"))
        keys.append("year")
    return queryset.values(*keys).distinct()


def flow_row(row: dict) -> dict:
    """A flow row in its public shape."""
    out = {
        "supplier": {
            "id": row["supplier_id"],
            "slug": row["supplier__slug"],
            "name": row["supplier__name"],
        },
        "recipient": {
            "id": row["recipient_id"],
            "slug": row["recipient__slug"],
            "name": row["recipient__name"],
        },
        "transfers": row["transfers"],
        "known_quantity": row["known_quantity"] or 0,
        "unknown_quantity": row["unknown_quantity"],
    }
    if "year" in row:
        out["year"] = row["year"]
    return out


EDGE_FIELDS = (
    "id",
    "slug",
    "supplier_id",
    "recipient_id",
    "stage",
    "transfer_type",
    "system__slug",
    "system__designation",
    "system__category",
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "quantity",
)


def network_nodes(transfers: QuerySet, *, intermediaries: bool = False) -> QuerySet:
    """The actors that supply or receive one of `transfers`, as rows; with
    `intermediaries`, those that stand between supplier and recipient too."""
    from actors.models import Actor

    edges = narrowed(transfers).order_by()
    # One IN over a UNION, not two INs joined by OR: PostgreSQL plans the OR
    # as a subplan per actor, and once the transfers no longer fit in
    # work_mem as a hash, it scanned them again for every actor (past the
    # 30 s statement timeout at a million transfers; 1.3 s this way).
    parties = edges.values("supplier_id").union(edges.values("recipient_id"))
    if intermediaries:
        parties = edges.values("supplier_id").union(
            edges.values("recipient_id"),
            TransferIntermediary.objects.filter(transfer__in=edges.values("pk"))
            .values("actor_id")
            .order_by(),
        )
    return (
        Actor.objects.filter(pk__in=parties)
        .values("id", "slug", "name", "kind", "country")
        .order_by("id")
    )


def network_edges(transfers: QuerySet) -> Iterator[dict]:
    """One edge per transfer, supplier → recipient, as flat dicts, read as
    they are consumed: a million edges never sit in memory at once.

    Inside a transaction, opened here so that it spans the reading: in
    autocommit Django declares PostgreSQL's server-side cursor WITH HOLD,
    and PostgreSQL then materialises the whole result before the first row
    comes back (as `exports.trade_register` explains)."""
    rows = narrowed(transfers).values(*EDGE_FIELDS).order_by("id")
    with transaction.atomic(using=rows.db, savepoint=False):
        yield from map(_edge, rows.iterator(chunk_size=2000))


def network_file_edges(transfers: QuerySet) -> Iterator[dict]:
    """The edges of the GraphML and GEXF files: each transfer's direct edge
    (`via` false), then, for each transfer with intermediaries, its path
    supplier → first intermediary → … → recipient, one edge a leg (`via`
    true, `path_step` from 1, the transfer's slug in `transfer`, the stop's
    role in `intermediary_role`). Every edge has a `weight` of 1 (one
    transfer, or one leg of one: Gephi sums parallel edges into a count) and
    the transfer's dates as a spell, `start` and `end` (ISO dates: the first
    day of the start's period, the last of the end's; absent when unknown).

    Two streamed queries, one after the other, each in its own transaction
    as `network_edges` explains."""
    rows = narrowed(transfers).values(*EDGE_FIELDS).order_by("id")
    with transaction.atomic(using=rows.db, savepoint=False):
        for row in rows.iterator(chunk_size=2000):
            yield _edge(row) | _spell(row) | {"weight": 1.0, "via": False}

    legs = (
        TransferIntermediary.objects.filter(transfer__in=narrowed(transfers).values("pk"))
        .values("actor_id", "role", *(f"transfer__{field}" for field in EDGE_FIELDS))
        .order_by("transfer_id", "position", "id")
    )
    with transaction.atomic(using=legs.db, savepoint=False):
        stops = legs.iterator(chunk_size=2000)
        for _transfer_id, path in groupby(stops, key=itemgetter("transfer__id")):
            path = list(path)
            row = {field: path[0][f"transfer__{field}"] for field in EDGE_FIELDS}
            direct = _edge(row) | _spell(row) | {"weight": 1.0, "via": True}
            actors = [row["supplier_id"], *(stop["actor_id"] for stop in path)]
            actors.append(row["recipient_id"])
            roles = [stop["role"] for stop in path] + [""]
            for step, (source, target) in enumerate(pairwise(actors), start=1):
                yield direct | {
                    "id": f"{row['id']}-via-{step}",
                    "source": source,
                    "target": target,
                    "path_step": step,
                    # The role of the stop the leg leads to (the recipient has none).
                    "intermediary_role": roles[step - 1],
                }


def _spell(row: dict) -> dict:
    spell = {}
    if row["start_date"]:
        spell["start"] = row["start_date"].isoformat()
    if row["end_date"]:
        spell["end"] = _period_end(row["end_date"], row["end_date_precision"]).isoformat()
    return spell


def _period_end(day: datetime.date, precision: str) -> datetime.date:
    """The last day of the year, month or day `day` stands for."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day


def _edge(row: dict) -> dict:
    return {
        "id": row["id"],
        "transfer": row["slug"],
        "source": row["supplier_id"],
        "target": row["recipient_id"],
        "stage": row["stage"],
        "transfer_type": row["transfer_type"],
        "system": row["system__slug"],
        "system_designation": row["system__designation"],
        "category": row["system__category"],
        "start_year": row["start_date"].year if row["start_date"] else None,
        "end_year": row["end_date"].year if row["end_date"] else None,
        "quantity": row["quantity"],
    }


def network_node(row: dict) -> dict:
    return {**row, "country": str(row["country"] or "")}


def _aggregates():
    return {
        "transfers": Count("pk"),
        "known_quantity": Sum("quantity"),
        "unknown_quantity": Count("pk", filter=Q(quantity__isnull=True)),
    }


def _counts(row: dict) -> dict:
    return {
        "transfers": row["transfers"],
        "known_quantity": row["known_quantity"] or 0,
        "unknown_quantity": row["unknown_quantity"],
    }


def _grouped(queryset, keys, order):
    return queryset.values(*keys).annotate(**_aggregates()).order_by(*order)


def actor_profile(actor, transfers: QuerySet) -> dict:
    """What `actor` supplied and received among `transfers`: totals, then by
    partner, by category, by start year and by system. A fixed number of
    aggregate queries, however many transfers."""
    base = narrowed(transfers)
    profile = {"actor": {"id": actor.pk, "slug": actor.slug, "name": actor.name}}
    for role, own, partner in (
        ("supplied", "supplier", "recipient"),
        ("received", "recipient", "supplier"),
    ):
        mine = base.filter(**{own: actor})
        partners = _grouped(
            mine,
            [f"{partner}_id", f"{partner}__slug", f"{partner}__name"],
            [f"{partner}__name", f"{partner}_id"],
        )
        categories = _grouped(mine, ["system__category"], ["system__category"])
        years = _grouped(
            mine.annotate(year=ExtractYear("start_date")),
            ["year"],
            [F("year").asc(nulls_last=True)],
        )
        systems = _grouped(
            mine,
            ["system_id", "system__slug", "system__designation", "system__category"],
            ["system__designation", "system_id"],
        )
        profile[role] = {
            **_counts(mine.aggregate(**_aggregates())),
            "works_cited": works_cited(mine),
            "by_partner": [
                {
                    "actor": {
                        "id": row[f"{partner}_id"],
                        "slug": row[f"{partner}__slug"],
                        "name": row[f"{partner}__name"],
                    },
                    **_counts(row),
                }
                for row in partners
            ],
            "by_category": [
                {"category": row["system__category"], **_counts(row)} for row in categories
            ],
            "by_year": [{"year": row["year"], **_counts(row)} for row in years],
            "systems": [
                {
                    "system": {
                        "id": row["system_id"],
                        "slug": row["system__slug"],
                        "designation": row["system__designation"],
                        "category": row["system__category"],
                    },
                    **_counts(row),
                }
                for row in systems
            ],
        }
    return profile


def works_cited(transfers: QuerySet) -> int:
    """How many works the citations of `transfers` quote: a syndicated copy or
    excerpt counts as its original (documents 003 and 004 of the seed are one)."""
    return (
        Citation.objects.filter(transfer__in=transfers.values("pk"))
        .order_by()
        .values(work=Coalesce("source__copy_of_id", "source_id"))
        .distinct()
        .count()
    )
