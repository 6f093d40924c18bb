from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS

from common.api.exceptions import Conflict
from common.api.fields import as_id
from common.api.views import ApiModelViewSet, etag_for

from .. import services
from ..filters import (
    CitationFilterSet,
    ContradictionFilterSet,
    PackageFilterSet,
    StatusEventFilterSet,
    SystemFilterSet,
    TransferFilterSet,
    ValueFilterSet,
)
from ..models import (
    Citation,
    CitationRelay,
    Contradiction,
    Package,
    StatusEvent,
    System,
    Transfer,
    Value,
)
from ..restore import RESTORE_PERMISSIONS, transfer_restore
from .representation import TransferRows
from .serializers import (
    CitationSerializer,
    ContradictionSerializer,
    PackageSerializer,
    StatusEventSerializer,
    SystemSerializer,
    TransferSerializer,
    ValueSerializer,
)


class SystemViewSet(ApiModelViewSet):
    """Weapon systems and classes of systems. Address one by id or slug."""

    queryset = System.objects.select_related("origin").order_by("designation", "id")
    serializer_class = SystemSerializer
    filterset_class = SystemFilterSet


class TransferViewSet(ApiModelViewSet):
    """Deals or flows of arms from a supplier to a recipient, with their status
    history and evidence. Address one by id or slug.

    The status is derived: it is the status of the latest event in
    `status_history`. Give `initial_stage` when creating a transfer; change
    the status later by adding an event at `/api/v1/status-events/`.
    """

    id_only_actions = ("restore",)

    # Reads go through TransferRows (six queries of plain rows), writes
    # through TransferSerializer, so no prefetching here. The search document
    # is searched in the database, never shown: not worth fetching. The order
    # is the model's (Transfer.Meta.ordering: undated last, then id).
    queryset = Transfer.objects.with_parties().select_related("package").defer("search_document")
    serializer_class = TransferSerializer
    filterset_class = TransferFilterSet

    def list_rows(self, queryset):
        return TransferRows.columns(queryset)

    def page_representations(self, page):
        return TransferRows.for_request(self.request).build(page)

    def representation(self, instance):
        data = TransferRows.for_request(self.request).of(instance)
        return data, etag_for(data)

    @extend_schema(
        summary="Restore a deleted transfer",
        description=(
            "Brings back a deleted transfer, by id, as it was when deleted, with the status "
            "events, deliveries, intermediaries and citations deleted along with it. Needs "
            "the permission to add each of those."
        ),
        request=None,
        responses={201: TransferSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"], url_path="restore", filter_backends=[])
    def restore(self, request, *args, **kwargs):
        if not request.user.has_perms(RESTORE_PERMISSIONS):
            self.permission_denied(
                request, "Restoring needs the permission to add a transfer and its parts."
            )
        transfer_id = as_id(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if transfer_id is None:
            raise NotFound("Restore a transfer by its id.")
        if not Transfer.history.filter(id=transfer_id, history_type="-").exists():
            raise NotFound(f"No deleted transfer #{transfer_id} is in the history.")
        try:
            transfer = transfer_restore(transfer_id=transfer_id, user=request.user)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from None
        return self.fresh_response(transfer, status.HTTP_201_CREATED)


class StatusEventViewSet(ApiModelViewSet):
    """The status history of transfers. Adding, changing or deleting an event
    updates its transfer's status (the status of its latest event). An
    event cannot move to another transfer, and a transfer's only event
    cannot be deleted (409)."""

    queryset = StatusEvent.objects.with_parties().order_by(
        "transfer_id", *StatusEvent.CHRONOLOGICAL
    )
    serializer_class = StatusEventSerializer
    filterset_class = StatusEventFilterSet
    slug_field = None

    def get_object(self):
        if self.request.method not in SAFE_METHODS and transaction.get_connection().in_atomic_block:
            # Lock the transfer before the event (the base class locks the
            # event), in the order every event write and a transfer's
            # deletion take them: two writes never wait on each other in a circle.
            event_id = as_id(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
            events = StatusEvent.objects.filter(pk=event_id if event_id is not None else 0)
            transfer_id = events.values_list("transfer_id", flat=True).first()
            if transfer_id is not None:
                Transfer.objects.lock(transfer_id)
        return super().get_object()

    def perform_destroy(self, instance):
        try:
            services.status_event_delete(instance)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from None


class CitationViewSet(ApiModelViewSet):
    """Verbatim quotes from sources, each tied to the transfer it is about and,
    optionally, to the status event it bears on, with whom the claim is
    attributed to and the earlier reports it relays. Address one by id."""

    # The transfers with their parties come by a second query, not by joins:
    # eight tables in one query took PostgreSQL 60-100 ms to plan a page,
    # against 2 ms each for the two (20,000 generated transfers).
    queryset = (
        Citation.objects.select_related("source", "status_event", "attributed_to_actor")
        .prefetch_related(
            Prefetch("transfer", Transfer.objects.with_parties().defer("search_document")),
            Prefetch("relays", CitationRelay.objects.select_related("source")),
        )
        .order_by("transfer_id", "id")
    )
    serializer_class = CitationSerializer
    filterset_class = CitationFilterSet
    slug_field = None


class PackageViewSet(ApiModelViewSet):
    """Packages: transfers agreed or reported together, with the value of the
    whole (recorded once, on the package). Address one by id or slug. A
    package that still has transfers cannot be deleted (409)."""

    queryset = Package.objects.prefetch_related(
        Prefetch("transfers", queryset=Transfer.objects.with_parties().order_by("id")),
        Prefetch("values", queryset=Value.objects.order_by("id")),
    ).order_by("name", "id")
    serializer_class = PackageSerializer
    filterset_class = PackageFilterSet


class ValueViewSet(ApiModelViewSet):
    """Values: what a source says a transfer (contract value, payment) or a
    package of transfers as a whole (kind `package`) is worth, in which
    currency, whether it is an estimate or hedged, and which citation gives
    it. Address one by id."""

    queryset = Value.objects.with_owners().order_by("id")
    serializer_class = ValueSerializer
    filterset_class = ValueFilterSet
    slug_field = None


class ContradictionViewSet(ApiModelViewSet):
    """Claims about one transfer that cannot all be true, each open or resolved
    (`?state=open` for what needs an editor). Resolve one by PATCHing `state`
    resolved with a `resolution`; reopen it with `state` open. Ones of kind
    `stance` are found by the database itself (`detected`). Address one by id."""

    queryset = Contradiction.objects.with_parties().prefetch_related(
        Prefetch("citations", Citation.objects.select_related("source").order_by("id")),
        Prefetch("status_events", StatusEvent.objects.order_by(*StatusEvent.CHRONOLOGICAL)),
    )
    serializer_class = ContradictionSerializer
    filterset_class = ContradictionFilterSet
    slug_field = None
