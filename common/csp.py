"""The Content-Security-Policy of config/settings.py, with one exception.

The API's HTML pages, the browsable API, its login form and Swagger UI, come
from DRF's and drf-spectacular's templates, which set inline style attributes
(and Swagger UI sets more from script). They get style-src 'unsafe-inline';
their scripts stay 'self' like everywhere else. The admin needs no exception."""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware

from common.api.exceptions import API_PATH_PREFIX

INLINE_STYLE_PREFIXES = (API_PATH_PREFIX,)


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if request.path_info.startswith(INLINE_STYLE_PREFIXES):
            update = dict(parts.update or {})
            update["style-src"] = [*update.get("style-src", []), "'unsafe-inline'"]
            parts.update = update
        return parts
