from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "Open Arms Transfers"
admin.site.site_title = "Open Arms Transfers"
admin.site.index_title = "Curate transfers, actors, systems and their evidence"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
