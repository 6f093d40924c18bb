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

from .choices import ActorKind
from .models import Actor

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
    parent, parent_id = reference_filters(
        "parent",
        Actor.objects.all(),
        "Parent",
        slug_help="Actors affiliated with this parent, e.g. the organs of a state.",
        id_help="Actors affiliated with the parent of this id.",
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
