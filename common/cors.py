"""Cross-origin reads of the API: any web page may GET it, none may write.

django-cors-headers answers for /api/ (CORS_URLS_REGEX); this signal
handler is what lets an origin in, and it does so only for reads: a GET or
HEAD, or the preflight of one. A POST, PUT, PATCH or DELETE from another
origin gets no Access-Control-Allow-Origin, so the browser keeps the answer
from the page (and refuses the preflight a write with a token needs).
Credentials are never allowed (CORS_ALLOW_CREDENTIALS is False): a page
elsewhere cannot read the API with an editor's session cookie."""

from corsheaders.signals import check_request_enabled

READS = frozenset({"GET", "HEAD"})


def allow_cross_origin_reads(sender, request, **kwargs) -> bool:
    if not request.path_info.startswith("/api/"):
        return False
    if request.method == "OPTIONS":
        asked = request.headers.get("access-control-request-method")
        return asked is None or asked.upper() in READS
    return request.method in READS


def connect() -> None:
    check_request_enabled.connect(allow_cross_origin_reads, dispatch_uid="common.cors")
