from django.urls import path

from . import views

app_name = "explorer"

urlpatterns = [
    path("", views.register, name="register"),
    path("facets/", views.facets, name="facets"),
    path("flows/", views.flows, name="flows"),
    path("transfers/<str:key>/", views.transfer_detail, name="transfer"),
    path("actors/<str:key>/", views.actor_detail, name="actor"),
    path("systems/<str:key>/", views.system_detail, name="system"),
    path("sources/<str:key>/", views.source_detail, name="source"),
]
