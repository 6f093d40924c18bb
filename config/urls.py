from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.api.auth import LogoutAllView, LogoutView, ObtainTokenView
from common.health import LiveView, ReadyView


class SwaggerView(SpectacularSwaggerSplitView):
    """The interactive docs page. GET only: OPTIONS would render the view's
    metadata through an HTML template it does not have (a 500). The split
    view serves Swagger UI's start-up script as a file (at ?script), so the
    Content-Security-Policy needs no inline script."""

    http_method_names = ["get", "head"]


# A bug under /api/ is answered in JSON like every other API error.
handler500 = "common.api.exceptions.server_error"

admin.site.site_header = "Open Arms Transfers"
admin.site.site_title = "Open Arms Transfers"
admin.site.index_title = "Curate transfers, actors, systems and their evidence"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api", "api"), namespace="api")),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/auth/token/logout/", LogoutView.as_view(), name="api-token-logout"),
    path("api/auth/token/logout-all/", LogoutAllView.as_view(), name="api-token-logout-all"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("health/live/", LiveView.as_view(), name="health-live"),
    path("health/ready/", ReadyView.as_view(), name="health-ready"),
    path("", include("explorer.urls")),
]
