from django import forms
from django_countries import countries
from drf_spectacular.utils import extend_schema_field

from common.api.filters import (
    ApiFilterSet,
    ChoicesFilter,
    SearchFilter,
    ordering_filter,
    reference_filters,
)
from common.search import SearchSpec

from .choices import ActorKind, RelationKind
from .models import Actor, ActorRelation

ACTOR_SEARCH = SearchSpec(fields={"name": "A", "slug": "A", "aliases": "A", "description": "C"})


class CountryCodesField(forms.MultipleChoiceField):
    """ISO 3166-1 alpha-2 codes, in either case."""

    def to_python(self, value):
        return [code.upper() for code in super().to_python(value)]


@extend_schema_field(
    {"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2 code."}
)
class CountryFilter(ChoicesFilter):
    field_class = CountryCodesField


class ActorFilterSet(ApiFilterSet):
    kind = ChoicesFilter(
        choices=ActorKind.choices,
        label="Kind",
        help_text="Kind of actor; repeat for several.",
    )
    country = CountryFilter(
        choices=lambda: list(countries),
        label="Country",
        help_text=(
            "ISO 3166-1 alpha-2 code (e.g. RU) of the state, or where an organ or group is "
            "based; repeat for several."
        ),
    )
    related, related_id = reference_filters(
        "related",
        Actor.objects.all(),
        "Related to",
        slug_help=(
            "Actors with a relation (part of, sponsored by, operated by, affiliated with) to "
            "this actor, e.g. the organs and proxies of a state; repeat for several."
        ),
        id_help="Actors with a relation to the actor of this id; repeat for several.",
        method="filter_related",
    )
    search = SearchFilter(
        ACTOR_SEARCH,
        help_text=(
            "Words in the name, slug, aliases or description. Ranked by relevance on "
            "PostgreSQL (websearch syntax: quotes, OR, -word); a substring match elsewhere."
        ),
    )
    ordering = ordering_filter(
        {
            "name": "name",
            "slug": "slug",
            "kind": "kind",
            "country": "country",
            "created": "created",
            "updated": "updated",
            "id": "id",
        },
        default="name",
    )

    class Meta:
        model = Actor
        fields = []

    def filter_related(self, queryset, name, actors):
        relations = ActorRelation.objects.filter(actors.q("related")).values("actor")
        return queryset.filter(pk__in=relations)


class ActorRelationFilterSet(ApiFilterSet):
    actor, actor_id = reference_filters(
        "actor",
        Actor.objects.all(),
        "Actor",
        slug_help=(
            'Relations of this actor (the subject of "actor kind related"); repeat for several.'
        ),
        id_help="Relations of the actor of this id; repeat for several.",
    )
    related, related_id = reference_filters(
        "related",
        Actor.objects.all(),
        "Related",
        slug_help=(
            "Relations to this actor (e.g. what is part of or sponsored by it); repeat for several."
        ),
        id_help="Relations to the actor of this id; repeat for several.",
    )
    kind = ChoicesFilter(
        choices=RelationKind.choices,
        label="Kind",
        help_text="Kind of relation; repeat for several.",
    )
    ordering = ordering_filter(
        {
            "start_date": "start_date",
            "end_date": "end_date",
            "kind": "kind",
            "created": "created",
            "updated": "updated",
            "id": "id",
        },
        default="actor, kind, related, start_date, id",
    )

    class Meta:
        model = ActorRelation
        fields = []
