"""The transfer representation, built from rows instead of model instances.

TransferSerializer declares the transfer's JSON (and so the OpenAPI schema)
and validates writes. Reading it through DRF costs several milliseconds per
transfer: a serializer instance per nested object, a URL reversal per link,
a model instance per row. At a page of 100 that is most of a request.

`TransferRows` produces the same JSON from four queries of plain rows
(transfers with their parties, then intermediaries, status events and
citations for those transfers) and string-formatted links. The tests check
that its output equals TransferSerializer's, field for field, for every
transfer of the seed and of generated data, so the two cannot drift apart.
"""

import functools
from collections import defaultdict

from rest_framework.reverse import reverse

from common.dates import format_partial_date
from sources.models import Source

from ..models import (
    CHRONOLOGICAL_ORDER,
    Citation,
    StatusEvent,
    Transfer,
    TransferIntermediary,
)

TRANSFER_COLUMNS = (
    "id",
    "slug",
    "supplier_id",
    "supplier__slug",
    "supplier__name",
    "recipient_id",
    "recipient__slug",
    "recipient__name",
    "system_id",
    "system__slug",
    "system__designation",
    "transfer_type",
    "status",
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "quantity",
    "quantity_is_estimate",
    "value",
    "value_currency",
    "condition",
    "notes",
    "created",
    "updated",
)
LINK_COLUMNS = ("transfer_id", "actor_id", "actor__slug", "actor__name")
EVENT_COLUMNS = ("transfer_id", "id", "status", "date", "date_precision", "note")
CITATION_COLUMNS = (
    "transfer_id",
    "id",
    "source_id",
    "source__slug",
    "source__title",
    "source__document_key",
    "source__publisher",
    "source__publication_date",
    "source__publication_date_precision",
    "quote",
    "location",
    "stance",
    "status_event_id",
    "note",
)


LINKED = ("transfer", "actor", "system", "statusevent", "citation", "source")


@functools.cache
def _formatting():
    """The serializer's own formatting of decimals and datetimes (DRF's is
    subtle), and each linked record's detail path up to its id: built once."""
    from .serializers import TransferSerializer

    fields = TransferSerializer().fields
    paths = {name: reverse(f"api:{name}-detail", kwargs={"pk": 0})[: -len("0/")] for name in LINKED}
    return fields["value"].to_representation, fields["created"].to_representation, paths


class TransferRows:
    """Transfer representations for one request (its host makes the links)."""

    def __init__(self, request):
        self._value, self._datetime, paths = _formatting()
        origin = request.build_absolute_uri("/")[:-1]
        prefix = {name: origin + path for name, path in paths.items()}
        self._transfer_url = prefix["transfer"]
        self._actor_url = prefix["actor"]
        self._system_url = prefix["system"]
        self._event_url = prefix["statusevent"]
        self._citation_url = prefix["citation"]
        self._source_url = prefix["source"]

    # --- queries -------------------------------------------------------------

    @staticmethod
    def columns(queryset):
        """`queryset` (of transfers, filtered and ordered) as the rows `build` takes."""
        return queryset.values(*TRANSFER_COLUMNS)

    def build(self, rows) -> list[dict]:
        """The representations of `rows` (from `columns`), in their order."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        if not ids:
            return []
        links = defaultdict(list)
        for transfer_id, *actor in (
            TransferIntermediary.objects.filter(transfer_id__in=ids)
            .order_by("transfer_id", "position")
            .values_list(*LINK_COLUMNS)
        ):
            links[transfer_id].append(self._actor(*actor))
        events = defaultdict(list)
        for transfer_id, *event in (
            StatusEvent.objects.filter(transfer_id__in=ids)
            .order_by("transfer_id", *CHRONOLOGICAL_ORDER)
            .values_list(*EVENT_COLUMNS)
        ):
            events[transfer_id].append(self._event(*event))
        citations = defaultdict(list)
        sources = {}
        for transfer_id, *citation in (
            Citation.objects.filter(transfer_id__in=ids)
            .order_by("transfer_id", "id")
            .values_list(*CITATION_COLUMNS)
        ):
            citations[transfer_id].append(self._citation(sources, *citation))
        return [
            self._transfer(row, links[row["id"]], events[row["id"]], citations[row["id"]])
            for row in rows
        ]

    def of(self, transfer: Transfer) -> dict:
        """The representation of one transfer already read with its parties
        (`select_related`), so only its parts are queried."""
        row = {}
        for column in TRANSFER_COLUMNS:
            value = transfer
            for part in column.split("__"):
                value = getattr(value, part)
            row[column] = value
        (representation,) = self.build([row])
        return representation

    # --- shapes ----------------------------------------------------------------

    def _actor(self, actor_id, slug, name):
        return {
            "id": actor_id,
            "url": f"{self._actor_url}{actor_id}/",
            "slug": slug,
            "name": name,
            "display": name,
        }

    def _event(self, event_id, status, date, precision, note):
        return {
            "id": event_id,
            "url": f"{self._event_url}{event_id}/",
            "status": status,
            "date": format_partial_date(date, precision),
            "date_precision": precision or None,
            "note": note,
        }

    def _source(self, source_id, slug, title, document_key, publisher, published, precision):
        display = str(
            Source(
                slug=slug,
                title=title,
                document_key=document_key,
                publisher=publisher,
                publication_date=published,
                publication_date_precision=precision,
            )
        )
        return {
            "id": source_id,
            "url": f"{self._source_url}{source_id}/",
            "slug": slug,
            "title": title,
            "publisher": publisher,
            "publication_date": format_partial_date(published, precision),
            "publication_date_precision": precision or None,
            "display": display,
        }

    def _citation(self, sources, citation_id, source_id, *rest):
        *source, quote, location, stance, event_id, note = rest
        if source_id not in sources:
            sources[source_id] = self._source(source_id, *source)
        return {
            "id": citation_id,
            "url": f"{self._citation_url}{citation_id}/",
            "source": sources[source_id],
            "quote": quote,
            "location": location,
            "stance": stance,
            "status_event": event_id,
            "note": note,
        }

    def _transfer(self, row, intermediaries, events, citations):
        transfer_id = row["id"]
        supplier = self._actor(row["supplier_id"], row["supplier__slug"], row["supplier__name"])
        recipient = self._actor(row["recipient_id"], row["recipient__slug"], row["recipient__name"])
        system_id, designation = row["system_id"], row["system__designation"]
        value = row["value"]
        return {
            "id": transfer_id,
            "url": f"{self._transfer_url}{transfer_id}/",
            "display": f"{supplier['name']} → {recipient['name']}: {designation} ({row['status']})",
            "slug": row["slug"],
            "supplier": supplier,
            "recipient": recipient,
            "intermediaries": intermediaries,
            "system": {
                "id": system_id,
                "url": f"{self._system_url}{system_id}/",
                "slug": row["system__slug"],
                "name": designation,
                "display": designation,
            },
            "transfer_type": row["transfer_type"],
            "status": row["status"],
            "start_date": format_partial_date(row["start_date"], row["start_date_precision"]),
            "start_date_precision": row["start_date_precision"] or None,
            "end_date": format_partial_date(row["end_date"], row["end_date_precision"]),
            "end_date_precision": row["end_date_precision"] or None,
            "quantity": row["quantity"],
            "quantity_is_estimate": row["quantity_is_estimate"],
            "value": None if value is None else self._value(value),
            "value_currency": row["value_currency"],
            "condition": row["condition"],
            "notes": row["notes"],
            "status_history": events,
            "citations": citations,
            "created": self._datetime(row["created"]),
            "updated": self._datetime(row["updated"]),
        }
