"""Content negotiation whose unknown `?format=` is a 400 naming the formats
on offer; DRF's own answers 404, as if the record were missing."""

from django.http import Http404
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class ApiContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        try:
            return super().filter_renderers(renderers, format)
        except Http404:
            offered = ", ".join(sorted({renderer.format for renderer in renderers}))
            raise ValidationError(
                {self.settings.URL_FORMAT_OVERRIDE: [f"Unknown format '{format}': use {offered}."]}
            ) from None
