"""Refuse a request body over DATA_UPLOAD_MAX_MEMORY_SIZE up front.

Django checks that limit only when `request.body` is read; DRF's parsers
read the stream directly, so without this a JSON body of any size would be
read into memory and parsed. Bodies without a Content-Length (chunked) are
not read by Django at all, so the header is the whole story."""

from django.conf import settings
from django.http import JsonResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        if limit is not None and length > limit:
            return JsonResponse(
                {
                    "detail": (
                        f"The request body is {length} bytes; at most {limit} are accepted. "
                        "Send fewer records at a time."
                    )
                },
                status=413,
            )
        return self.get_response(request)
