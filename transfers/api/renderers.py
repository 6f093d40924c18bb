"""Renderers of the downloads: the views write the body, these pass it on
and name its media type (for content negotiation and the schema)."""

from rest_framework.renderers import BaseRenderer


class DownloadRenderer(BaseRenderer):
    """Passes a download through; the view writes the body itself."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(DownloadRenderer):
    media_type = "text/csv"
    format = "csv"


class NDJSONRenderer(DownloadRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"


class GraphMLRenderer(DownloadRenderer):
    media_type = "application/graphml+xml"
    format = "graphml"


class GEXFRenderer(DownloadRenderer):
    media_type = "application/gexf+xml"
    format = "gexf"


class FtMRenderer(DownloadRenderer):
    """FollowTheMoney entities, one JSON object a line."""

    media_type = "application/x-ndjson"
    format = "ftm"


class AnnotationRenderer(DownloadRenderer):
    """W3C Web Annotations as JSON-LD. The view sends the model's profile in
    Content-Type; here it would make DRF refuse every Accept that lacks it."""

    media_type = "application/ld+json"
    format = "jsonld"
