"""The search seam: real full-text search on PostgreSQL, a plain fallback elsewhere.

Every `search` filter goes through `search()`. On PostgreSQL it matches a
weighted `tsvector` against a `websearch_to_tsquery` (so `"S-300" -cancelled`
and `shahed OR geran` work) and orders the results by `ts_rank`, best first,
when at most RANK_LIMIT rows match: ranking reads every match, so a word
in a million rows would cost seconds. Past that the list's own default
ordering applies (which an index can serve, stopping after one page); the
paginator, which counts matches anyway, decides (`unranked_if_many`).
On any other database (SQLite for development and tests) it ORs `icontains`
over the same fields.

A `SearchSpec` is the one definition of what a model's search looks at.
`search_vector()` turns it into the weighted vector expression. Where the
spec names a `document_field` (a `SearchVectorField` with a GIN index, as on
transfers), that expression is stored per row by `refresh_documents()` and
searches read the stored column through the index; otherwise (systems,
actors, sources) the vector is computed on the fly for every row searched.

Fields on the model itself or across single-valued relations
(`supplier__name`) go into the vector directly. Fields across multi-valued
relations (`citations__quote`) are aggregated per row in a subquery, so a
transfer with three matching quotes is returned once, not three times.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.db.models import F, Max, Min, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.expressions import OrderBy
from django.db.models.functions import Cast

#: Annotation holding the PostgreSQL rank; absent on the fallback.
RANK = "search_rank"
SEARCH_CONFIG = "english"
#: Results are ranked only up to this many matches (see the module's docstring).
#: At most the paginator's COUNT_LIMIT, whose capped count tells the two apart.
RANK_LIMIT = 10_000
#: What one search may ask for. Each term is one more index lookup and one
#: more test per matching row (300 ORed terms took 6 s at 200,000 transfers);
#: people search with a few words.
MAX_SEARCH_TERMS = 12
MAX_SEARCH_LENGTH = 200
#: Websearch operators, which are not terms of their own.
OPERATORS = {"or", "-"}


def search_terms(text: str) -> list[str]:
    """The words of a search, as `websearch_to_tsquery` reads them apart:
    whitespace separates them, and `OR` or a lone `-` join, not count."""
    return [word for word in text.replace('"', " ").split() if word.lower() not in OPERATORS]


@dataclass(frozen=True)
class SearchSpec:
    """What a model's `search` looks at.

    `fields` maps a lookup path to its weight (A highest … D lowest);
    `many` lists paths that cross a multi-valued relation, with weights too;
    `document_field`, if given, names the model's stored `SearchVectorField`
    that holds this vector (kept up to date with `refresh_documents()`).
    """

    fields: dict[str, str]
    many: dict[str, str] = field(default_factory=dict)
    document_field: str | None = None

    def paths(self) -> list[str]:
        return [*self.fields, *self.many]

    def own_fields(self) -> frozenset[str]:
        """The model's own fields (or foreign keys) the vector reads."""
        return frozenset(path.split("__")[0] for path in self.paths())

    def fields_under(self, *relations: str) -> frozenset[str]:
        """The fields read on the far side of `relations`: for
        `supplier__name` and `supplier__aliases`, `fields_under("supplier")`
        is {"name", "aliases"}."""
        return frozenset(
            path.split("__")[1]
            for path in self.paths()
            if "__" in path and path.split("__")[0] in relations
        )


def uses_full_text(queryset: QuerySet) -> bool:
    """Whether `queryset`'s database gets real full-text search."""
    return connections[queryset.db].vendor == "postgresql"


def search(queryset: QuerySet, text: str, spec: SearchSpec) -> QuerySet:
    """Narrow `queryset` to rows matching `text`, ranked best first where the
    database can rank. A blank `text` leaves the queryset unchanged."""
    text = (text or "").strip()
    if not text:
        return queryset
    if uses_full_text(queryset):
        return _full_text(queryset, text, spec)
    return _fallback(queryset, text, spec)


def search_vector(model, spec: SearchSpec):
    """The weighted vector `spec` describes, as an expression over `model`'s
    rows (PostgreSQL only): what the stored document holds, or what is
    computed on the fly for a model without one."""
    from django.contrib.postgres.aggregates import StringAgg
    from django.contrib.postgres.search import SearchVector

    vectors = [
        SearchVector(path, weight=weight, config=SEARCH_CONFIG)
        for path, weight in spec.fields.items()
    ]
    for path, weight in spec.many.items():
        text = Cast(F(path), TextField())
        aggregated = Subquery(
            model._base_manager.filter(pk=OuterRef("pk"))
            .order_by()
            .values("pk")
            # In a set order, so that a stored document does not depend on
            # where its rows happen to lie on disk.
            .annotate(text=StringAgg(text, delimiter=" ", order_by=text))
            .values("text")
        )
        vectors.append(SearchVector(aggregated, weight=weight, config=SEARCH_CONFIG))
    vector = vectors[0]
    for other in vectors[1:]:
        vector = vector + other
    return vector


def _full_text(queryset, text, spec):
    from django.contrib.postgres.search import SearchQuery, SearchRank

    model = queryset.model
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    if spec.document_field:
        # The stored document, through its GIN index.
        document = spec.document_field
    else:
        document = "search_vector"
        queryset = queryset.alias(search_vector=search_vector(model, spec))
    existing_order = list(queryset.query.order_by) or list(model._meta.ordering)
    return (
        queryset.filter(**{document: query})
        .annotate(**{RANK: SearchRank(F(document), query)})
        .order_by(F(RANK).desc(), *existing_order)
    )


def is_ranked(queryset: QuerySet) -> bool:
    """Whether `queryset` is ordered by search rank first (a search without
    an explicit `ordering`)."""
    order = queryset.query.order_by
    return bool(order) and isinstance(order[0], OrderBy) and order[0].expression == F(RANK)


def unranked_if_many(queryset: QuerySet, matches: int) -> QuerySet:
    """`queryset` (ranked) in its default order instead when more than
    RANK_LIMIT rows match: `matches` is their number, or a lower bound."""
    return queryset if matches <= RANK_LIMIT else unranked(queryset)


def unranked(queryset: QuerySet) -> QuerySet:
    """A ranked `queryset` in the order it would have without the rank."""
    return queryset.order_by(*queryset.query.order_by[1:])


def stores_documents(queryset: QuerySet, spec: SearchSpec) -> bool:
    """Whether `queryset`'s rows keep a stored document to refresh."""
    return bool(spec.document_field) and uses_full_text(queryset)


def refresh_documents(queryset: QuerySet, spec: SearchSpec) -> int:
    """Recompute the stored document of every row in `queryset`, in one
    UPDATE; returns the number of rows. Nothing happens (and no query runs)
    where there is no stored document: without a `document_field`, or off
    PostgreSQL, where searches use the fallback."""
    if not stores_documents(queryset, spec):
        return 0
    model = queryset.model
    # UPDATE cannot join, so the vector (which reads across relations) is a
    # correlated subquery over the row being updated.
    fresh = Subquery(
        model._base_manager.filter(pk=OuterRef("pk"))
        .order_by()
        .annotate(_document=search_vector(model, spec))
        .values("_document")
    )
    return queryset.order_by().update(**{spec.document_field: fresh})


def rebuild_documents(
    queryset: QuerySet,
    spec: SearchSpec,
    *,
    batch_size: int = 20000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute the stored document of every row in `queryset` (say, all of
    a model's), one id range of `batch_size` (and one transaction) at a time;
    `progress` is told how many rows each batch covered. Returns the number
    of rows refreshed."""
    if not stores_documents(queryset, spec):
        return 0
    bounds = queryset.order_by().aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    done = 0
    for start in range(bounds["low"], bounds["high"] + 1, batch_size):
        with transaction.atomic(using=queryset.db):
            count = refresh_documents(
                queryset.filter(pk__gte=start, pk__lt=start + batch_size), spec
            )
        done += count
        if progress:
            progress(count)
    return done


def _fallback(queryset, text, spec):
    condition = Q()
    for path in [*spec.fields, *spec.many]:
        condition |= Q(**{f"{path}__icontains": text})
    if spec.many:
        # Joins across multi-valued relations would repeat rows: match in a subquery.
        matching = queryset.model._default_manager.filter(condition).values("pk")
        return queryset.filter(pk__in=matching)
    return queryset.filter(condition)
