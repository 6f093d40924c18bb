import django_filters

from common.api.filters import (
    ApiFilterSet,
    ChoicesFilter,
    SearchFilter,
    YearFilter,
    ordering_filter,
    reference_filters,
    updated_since_filter,
)
from common.search import SearchSpec

from .choices import Reliability, SourceKind
from .models import Source, SourceText

SOURCE_SEARCH = SearchSpec(
    fields={"title": "A", "slug": "A", "publisher": "B", "authors": "B", "notes": "C"}
)


class SourceFilterSet(ApiFilterSet):
    publisher = django_filters.CharFilter(
        lookup_expr="iexact",
        label="Publisher",
        help_text="Publisher or outlet, exactly but ignoring case, e.g. Reuters.",
    )
    kind = ChoicesFilter(
        choices=SourceKind.choices, label="Kind", help_text="Kind of document; repeat for several."
    )
    reliability = ChoicesFilter(
        choices=Reliability.choices,
        label="Reliability",
        help_text="Admiralty-scale grade of the source (A … F); repeat for several.",
    )
    year = YearFilter(
        field_name="publication_date",
        lookup_expr="year",
        label="Publication year",
        help_text="Sources published in this year (at any precision), e.g. 2022.",
    )
    search = SearchFilter(
        SOURCE_SEARCH,
        help_text=(
            "Words in the title, slug, publisher, authors or notes; ranked on PostgreSQL, "
            "a substring match elsewhere."
        ),
    )
    ordering = ordering_filter(
        {
            "publication_date": "publication_date",
            "title": "title",
            "publisher": "publisher",
            "reliability": "reliability",
            "created": "created",
            "updated": "updated",
            "id": "id",
        },
        default="-publication_date (undated last), title",
    )

    class Meta:
        model = Source
        fields = []


class SourceTextFilterSet(ApiFilterSet):
    source, source_id = reference_filters(
        "source",
        Source.objects.all(),
        "Source",
        slug_help="The versions of this source's text, by its slug; repeat for several.",
        id_help="The versions of this source's text, by its id; repeat for several.",
    )
    sha256 = django_filters.CharFilter(
        label="SHA-256", help_text="The version whose text has this SHA-256 (hex)."
    )
    # A stored version never changes: it was last changed when it was stored.
    updated_since = updated_since_filter("created", "stored")

    class Meta:
        model = SourceText
        fields = []
