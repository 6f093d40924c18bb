from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Prefetch

from common.api.exceptions import Conflict
from common.api.views import ApiModelViewSet
from sources.models import Citation

from .. import services
from ..filters import StatusEventFilterSet, SystemFilterSet, TransferFilterSet
from ..models import StatusEvent, System, Transfer, TransferIntermediary
from .serializers import StatusEventSerializer, SystemSerializer, TransferSerializer


class SystemViewSet(ApiModelViewSet):
    """Weapon systems and classes of systems. Address one by id or slug."""

    queryset = System.objects.select_related("origin").order_by("designation", "id")
    serializer_class = SystemSerializer
    filterset_class = SystemFilterSet


class TransferViewSet(ApiModelViewSet):
    """Deals or flows of arms from a supplier to a recipient, with their status
    history and evidence. Address one by id or slug.

    The status is derived: it is the status of the latest event in
    `status_history`. Give `initial_status` when creating a transfer; change
    the status later by adding an event at `/api/v1/status-events/`.
    """

    queryset = (
        Transfer.objects.select_related("supplier", "recipient", "system")
        .prefetch_related(
            Prefetch(
                "intermediary_links",
                queryset=TransferIntermediary.objects.select_related("actor"),
            ),
            "status_events",
            Prefetch("citations", queryset=Citation.objects.select_related("source")),
        )
        # Undated transfers last, on SQLite as on PostgreSQL.
        .order_by(F("start_date").asc(nulls_last=True), "id")
    )
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet


class StatusEventViewSet(ApiModelViewSet):
    """The status history of transfers. Adding, changing or deleting an event
    updates its transfer's status (the status of its latest event). An
    event cannot move to another transfer, and a transfer's only event
    cannot be deleted (409)."""

    queryset = StatusEvent.objects.select_related(
        "transfer__supplier", "transfer__recipient", "transfer__system"
    ).order_by("transfer_id", *StatusEvent.CHRONOLOGICAL)
    serializer_class = StatusEventSerializer
    filterset_class = StatusEventFilterSet
    slug_field = None

    def perform_destroy(self, instance):
        try:
            services.status_event_delete(instance)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from None
