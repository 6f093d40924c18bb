"""The API's one router: kebab-case plural routes under /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from actors.api.views import ActorRelationViewSet, ActorViewSet
from assistant.api.views import CandidateViewSet
from editorial.api.views import DeletedView
from sources.api.views import SourceTextViewSet, SourceViewSet
from transfers.api.analytics import ActorProfileView, FlowListView
from transfers.api.downloads import (
    CitationAnnotationsExportView,
    NetworkGEXFView,
    NetworkGraphMLView,
    NetworkView,
    TradeRegisterDataPackageView,
    TradeRegisterExportView,
    TransferFtMExportView,
    TransferJsonLinesExportView,
)
from transfers.api.views import (
    CitationViewSet,
    ContradictionViewSet,
    PackageViewSet,
    StatusEventViewSet,
    SystemViewSet,
    TransferViewSet,
    ValueViewSet,
)

router = DefaultRouter()
router.register("actors", ActorViewSet, basename="actor")
router.register("actor-relations", ActorRelationViewSet, basename="actorrelation")
router.register("systems", SystemViewSet, basename="system")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("status-events", StatusEventViewSet, basename="statusevent")
router.register("sources", SourceViewSet, basename="source")
router.register("source-texts", SourceTextViewSet, basename="sourcetext")
router.register("citations", CitationViewSet, basename="citation")
router.register("packages", PackageViewSet, basename="package")
router.register("values", ValueViewSet, basename="value")
router.register("contradictions", ContradictionViewSet, basename="contradiction")
router.register("candidates", CandidateViewSet, basename="candidate")

urlpatterns = [
    path("deleted/", DeletedView.as_view(), name="deleted"),
    path("flows/", FlowListView.as_view(), name="flows"),
    path("network/", NetworkView.as_view(), name="network"),
    path("network.graphml", NetworkGraphMLView.as_view(), name="network-graphml"),
    path("network.gexf", NetworkGEXFView.as_view(), name="network-gexf"),
    path("actors/<str:pk>/profile/", ActorProfileView.as_view(), name="actor-profile"),
    path(
        "sources/<str:pk>/candidates/",
        CandidateViewSet.as_view({"get": "list"}),
        name="source-candidates",
    ),
    path(
        "exports/trade-register.csv",
        TradeRegisterExportView.as_view(),
        name="export-trade-register",
    ),
    path(
        "exports/trade-register.datapackage.json",
        TradeRegisterDataPackageView.as_view(),
        name="export-trade-register-datapackage",
    ),
    path("exports/transfers.jsonl", TransferJsonLinesExportView.as_view(), name="export-jsonl"),
    path(
        "exports/citations.jsonld",
        CitationAnnotationsExportView.as_view(),
        name="export-annotations",
    ),
    path("exports/transfers.ftm.jsonl", TransferFtMExportView.as_view(), name="export-ftm"),
    *router.urls,
]
