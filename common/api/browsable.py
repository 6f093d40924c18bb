from rest_framework.renderers import BrowsableAPIRenderer as BaseBrowsableAPIRenderer


class BrowsableAPIRenderer(BaseBrowsableAPIRenderer):
    """DRF's browsable API, without the inline event handler that a
    Content-Security-Policy blocks (see common.csp)."""

    template = "common/browsable_api.html"
