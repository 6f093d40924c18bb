"""The brief form of a source, apart from the full serializers so that the
transfers API can nest it without importing the sources API (which nests
transfers)."""

from common.api.fields import DetailUrlField, PartialDateField, PrecisionField
from common.api.serializers import BriefSerializer

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
