"""The search seam: real full-text search on PostgreSQL, a plain fallback elsewhere.

Every `search` filter goes through `search()`. On PostgreSQL it builds a
weighted `SearchVector` over the given fields, matches it against a
`websearch_to_tsquery` (so `"S-300" -cancelled` and `shahed OR geran` work)
and orders the results by `SearchRank`, best first. On any other database
(SQLite for development and tests) it ORs `icontains` over the same fields.

Fields on the model itself or across single-valued relations
(`supplier__name`) go into the vector directly. Fields across multi-valued
relations (`citations__quote`) are aggregated per row in a subquery, so a
transfer with three matching quotes is returned once, not three times.
"""

from dataclasses import dataclass, field

from django.db import connections
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.functions import Cast

#: Annotation holding the PostgreSQL rank; absent on the fallback.
RANK = "search_rank"
SEARCH_CONFIG = "english"


@dataclass(frozen=True)
class SearchSpec:
    """What a model's `search` looks at.

    `fields` maps a lookup path to its weight (A highest … D lowest);
    `many` lists paths that cross a multi-valued relation, with weights too.
    """

    fields: dict[str, str]
    many: dict[str, str] = field(default_factory=dict)


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


def _full_text(queryset, text, spec):
    from django.contrib.postgres.aggregates import StringAgg
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    model = queryset.model
    vectors = [
        SearchVector(path, weight=weight, config=SEARCH_CONFIG)
        for path, weight in spec.fields.items()
    ]
    for path, weight in spec.many.items():
        aggregated = Subquery(
            model._default_manager.filter(pk=OuterRef("pk"))
            .order_by()
            .values("pk")
            .annotate(text=StringAgg(Cast(F(path), TextField()), delimiter=" "))
            .values("text")
        )
        vectors.append(SearchVector(aggregated, weight=weight, config=SEARCH_CONFIG))
    vector = vectors[0]
    for other in vectors[1:]:
        vector = vector + other
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    existing_order = list(queryset.query.order_by) or list(model._meta.ordering)
    return (
        queryset.alias(search_vector=vector)
        .filter(search_vector=query)
        .annotate(**{RANK: SearchRank(F("search_vector"), query)})
        .order_by(F(RANK).desc(), *existing_order)
    )


def _fallback(queryset, text, spec):
    condition = Q()
    for path in [*spec.fields, *spec.many]:
        condition |= Q(**{f"{path}__icontains": text})
    if spec.many:
        # Joins across multi-valued relations would repeat rows: match in a subquery.
        matching = queryset.model._default_manager.filter(condition).values("pk")
        return queryset.filter(pk__in=matching)
    return queryset.filter(condition)
