from rest_framework import serializers

from common.api.fields import (
    DetailUrlField,
    IdOrSlugRelatedField,
    PartialDateField,
    PrecisionField,
)
from common.api.serializers import FullCleanModelSerializer, filtered_list_url
from transfers.api.serializers import StatusEventBriefSerializer, TransferBriefSerializer
from transfers.models import StatusEvent, Transfer

from ..models import Citation, Source
from .brief import SourceBriefSerializer


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


class CitationSerializer(FullCleanModelSerializer):
    """A verbatim quote from a source, about a transfer and optionally supporting
    one of its status events."""

    source = IdOrSlugRelatedField(
        queryset=Source.objects.all(),
        brief_serializer=SourceBriefSerializer,
        help_text="The document quoted: a source's id or slug.",
    )
    transfer = IdOrSlugRelatedField(
        queryset=Transfer.objects.all(),
        brief_serializer=TransferBriefSerializer,
        required=False,
        help_text=(
            "The transfer the quote is about: an id or slug. May be left out when "
            "`status_event` is given (the event's transfer is taken)."
        ),
    )
    status_event = IdOrSlugRelatedField(
        queryset=StatusEvent.objects.all(),
        brief_serializer=StatusEventBriefSerializer,
        slug_field=None,
        required=False,
        allow_null=True,
        help_text="The status event this quote supports, if any: its id.",
    )

    class Meta:
        model = Citation
        fields = [
            "id",
            "url",
            "source",
            "transfer",
            "status_event",
            "quote",
            "location",
            "stance",
            "note",
            "created",
            "updated",
        ]

    def validate(self, attrs):
        transfer = attrs.get("transfer", getattr(self.instance, "transfer", None))
        event = attrs.get("status_event", getattr(self.instance, "status_event", None))
        if transfer is None and event is None:
            raise serializers.ValidationError(
                {"transfer": ["Give the transfer the quote is about, or a status event of it."]}
            )
        if transfer is None:
            attrs["transfer"] = event.transfer
        return attrs
