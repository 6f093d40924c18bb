from rest_framework import serializers

from common.api.fields import (
    DetailUrlField,
    IdOrSlugRelatedField,
    PartialDateField,
    PrecisionField,
)
from common.api.serializers import BriefSerializer, FullCleanModelSerializer, filtered_list_url

from ..models import Source


class SourceBriefSerializer(BriefSerializer):
    """A source in brief, with its title and publication date, as nested in
    other records."""

    # The model has its own `url` (the document's); `url` here is the API link.
    url = DetailUrlField(view_name="api:source-detail")
    publication_date = PartialDateField(
        "publication_date", "publication_date_precision", read_only=True
    )
    publication_date_precision = PrecisionField()

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "slug",
            "title",
            "publisher",
            "publication_date",
            "publication_date_precision",
            "display",
        ]


class SourceSerializer(FullCleanModelSerializer):
    """A document evidence is taken from: an article, analysis, statement or dataset."""

    # The model's own `url` is the document's address; `url` is the API link.
    url = DetailUrlField(view_name="api:source-detail")
    document_url = serializers.URLField(
        source="url",
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="Where the document can be read.",
    )
    authors = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Authors, one per entry; empty if unknown.",
    )
    publication_date = PartialDateField("publication_date", "publication_date_precision")
    publication_date_precision = PrecisionField()
    copy_of = IdOrSlugRelatedField(
        queryset=Source.objects.all(),
        brief_serializer=SourceBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The original work, if this is a syndicated copy or excerpt: an id or slug.",
    )
    citations = serializers.SerializerMethodField(help_text="Link to the quotes from this source.")

    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "display",
            "slug",
            "title",
            "publisher",
            "authors",
            "publication_date",
            "publication_date_precision",
            "publication_date_is_inferred",
            "document_url",
            "kind",
            "language",
            "reliability",
            "copy_of",
            "document_key",
            "notes",
            "citations",
            "created",
            "updated",
        ]

    def get_citations(self, obj) -> str:
        return filtered_list_url(self.context.get("request"), "api:citation-list", source=obj.slug)
