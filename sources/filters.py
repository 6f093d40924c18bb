import django_filters

from common.api.filters import (
    ApiFilterSet,
    ChoicesFilter,
    IdFilter,
    SearchFilter,
    SlugFilter,
    YearFilter,
    ordering_filter,
)
from common.search import SearchSpec
from transfers.models import StatusEvent, Transfer

from .choices import Reliability, SourceKind, Stance
from .models import Citation, Source

SOURCE_SEARCH = SearchSpec(
    fields={"title": "A", "slug": "A", "publisher": "B", "authors": "B", "notes": "C"}
)
# Stored per citation (GIN-indexed on PostgreSQL), kept true by sources.search_index.
CITATION_SEARCH = SearchSpec(
    fields={"quote": "A", "location": "C", "note": "C"}, document_field="search_document"
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


class CitationFilterSet(ApiFilterSet):
    source = SlugFilter(
        field_name="source",
        queryset=Source.objects.all(),
        label="Source (slug)",
        help_text="Citations quoting this source; repeat for several.",
    )
    source_id = IdFilter(
        field_name="source",
        queryset=Source.objects.all(),
        label="Source (id)",
        help_text="Citations quoting the source of this id; repeat for several.",
    )
    transfer = SlugFilter(
        field_name="transfer",
        queryset=Transfer.objects.all(),
        label="Transfer (slug)",
        help_text="Citations about this transfer; repeat for several.",
    )
    transfer_id = IdFilter(
        field_name="transfer",
        queryset=Transfer.objects.all(),
        label="Transfer (id)",
        help_text="Citations about the transfer of this id; repeat for several.",
    )
    status_event = IdFilter(
        field_name="status_event",
        queryset=StatusEvent.objects.all(),
        label="Status event (id)",
        help_text="Citations supporting the status event of this id.",
    )
    stance = ChoicesFilter(
        choices=Stance.choices,
        label="Stance",
        help_text="Whether the quote supports or contradicts the claim.",
    )
    search = SearchFilter(
        CITATION_SEARCH,
        help_text=(
            "Words in the quote, location or note; ranked on PostgreSQL, a substring "
            "match elsewhere."
        ),
    )
    ordering = ordering_filter(
        {"created": "created", "updated": "updated", "id": "id"},
        default="transfer, id",
    )

    class Meta:
        model = Citation
        fields = []
