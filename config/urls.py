from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from common.api.auth import LogoutAllView, LogoutView, ObtainTokenView


class SwaggerView(SpectacularSwaggerView):
    """The interactive docs page. GET only: OPTIONS would render the view's
    metadata through an HTML template it does not have (a 500)."""

    http_method_names = ["get", "head"]


admin.site.site_header = "Open Arms Transfers"
admin.site.site_title = "Open Arms Transfers"
admin.site.index_title = "Curate transfers, actors, systems and their evidence"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api", "api"), namespace="api")),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/auth/token/logout/", LogoutView.as_view(), name="api-token-logout"),
    path("api/auth/token/logout-all/", LogoutAllView.as_view(), name="api-token-logout-all"),
    path("api/auth/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
]
