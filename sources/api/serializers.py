from django.core.exceptions import ValidationError as ModelValidationError
from rest_framework import serializers

from common.api.fields import (
    DetailUrlField,
    IdOrSlugRelatedField,
    PartialDateField,
    PrecisionField,
)
from common.api.serializers import (
    ApiModelSerializer,
    BriefSerializer,
    FullCleanModelSerializer,
    filtered_list_url,
)

from .. import intake
from ..choices import TextOrigin
from ..models import Source, SourceText
from ..services import source_text_add


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
    texts = serializers.SerializerMethodField(
        help_text="Link to the stored versions of the document's text."
    )
    text = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        help_text=(
            "The document's text, stored as version 1 when the source is created (plain "
            "text, as received); later versions go to /source-texts/."
        ),
    )

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
            "texts",
            "text",
            "created",
            "updated",
        ]

    def get_citations(self, obj) -> str:
        return filtered_list_url(self.context.get("request"), "api:citation-list", source=obj.slug)

    def get_texts(self, obj) -> str:
        return filtered_list_url(
            self.context.get("request"), "api:sourcetext-list", source=obj.slug
        )

    def create(self, validated_data):
        text = validated_data.pop("text", None)
        source = super().create(validated_data)
        if text is not None:
            _store_text(source, text, "text", TextOrigin.API)
        return source

    def update(self, instance, validated_data):
        if "text" in validated_data:
            raise serializers.ValidationError(
                {"text": ["A stored text is never replaced; post a new version to /source-texts/."]}
            )
        return super().update(instance, validated_data)


def _store_text(source, text, text_format, origin, **fields):
    """Store a version of the source's text as the admin's paste would read it
    (line breaks made "\n"; an HTML page read for its main text, the page
    kept), its refusals as a 400 on `text`."""
    try:
        received = intake.from_paste(text, format=text_format)
        return source_text_add(
            source,
            received.text,
            format=received.format,
            received=received.received,
            origin=origin,
            **fields,
        )
    except intake.IntakeError as error:
        raise serializers.ValidationError({"text": [str(error)]}) from None
    except ModelValidationError as error:
        raise serializers.ValidationError({"text": error.messages}) from None


class SourceTextSerializer(ApiModelSerializer):
    """One version of a source's text, as received: what quotes are anchored in.
    Never changed once stored: a correction is posted as a new version, and the
    source's citations move to it (or are flagged orphaned)."""

    url = DetailUrlField(view_name="api:sourcetext-detail")
    source = IdOrSlugRelatedField(
        queryset=Source.objects.all(),
        brief_serializer=SourceBriefSerializer,
        help_text="The source this is the text of: an id or slug.",
    )
    text = serializers.CharField(
        trim_whitespace=False,
        help_text=(
            "The document's text as received; with `format` html, the page's source, whose "
            "main text is extracted and stored (the page is kept)."
        ),
    )

    class Meta:
        model = SourceText
        fields = [
            "id",
            "url",
            "source",
            "version",
            "text",
            "sha256",
            "format",
            "origin",
            "retrieved_from",
            "retrieved_at",
            "note",
            "created",
        ]
        read_only_fields = ["version", "sha256", "origin", "retrieved_at", "created"]
        # The version is the next one, numbered by source_text_add under a lock;
        # DRF's unique-together check would test the default (1) instead.
        validators = []

    def create(self, validated_data):
        source = validated_data.pop("source")
        text = validated_data.pop("text")
        text_format = validated_data.pop("format", "text")
        version, created = _store_text(source, text, text_format, TextOrigin.API, **validated_data)
        self.created = created
        return version
