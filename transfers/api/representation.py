"""What a transfer looks like in the API: the one declaration of its JSON.

The tuples below say which fields a transfer has and in which order, and
which fields its nested parts have (a related record in brief takes its
brief serializer's `Meta.fields`). `TransferShape` turns plain values into
that JSON, formatting dates and numbers one way. Everything that shows a
transfer follows from here:

- the API's reads (list pages and details), through `TransferRows`: six
  queries of plain rows for a whole page (transfers with their parties and
  package, then intermediaries, values, status events, citations of those
  transfers and the reports the citations relay);
- `TransferSerializer`, whose `Meta.fields` are these fields (plus the
  write-only `initial_stage`) and whose `to_representation` is this, so
  its schema and its output cannot part;
- the JSON Lines export (transfers.exports.jsonl), by chunks of rows;
- bench/benchmark.py's raw baseline, which reads the same rows with
  psycopg and builds them here, so the benchmark's ratio is the cost of the
  database layer and the request cycle, not of a second copy of the shape.

Rows are built without model instances or DRF fields: through DRF a page of
100 transfers cost several milliseconds per transfer (a serializer per
nested object, a URL reversal per link, a model instance per row).

To add a field to the transfer's JSON: name it in `TRANSFER_FIELDS` where it
should appear (in `OWN_COLUMNS` if it is a column of the transfer's own,
which then is read too), read any other column it needs in
`TRANSFER_COLUMNS`, and give its value in `TransferShape.transfer` at the
same place; TransferSerializer takes its type for writes and the schema from
the model, or from a field declared on it.
"""

import functools
from collections import defaultdict
from decimal import Decimal

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from rest_framework.reverse import reverse

from actors.api.serializers import ActorBriefSerializer
from common.dates import format_partial_date
from common.rows import RowsByIds
from sources.api.serializers import SourceBriefSerializer
from sources.models import Source

from ..models import (
    CHRONOLOGICAL_ORDER,
    Citation,
    CitationRelay,
    Package,
    StatusEvent,
    Transfer,
    TransferIntermediary,
    Value,
)

#: The transfer's own columns that the API shows as they are stored but for
#: formatting, in the order it writes them (both tuples below take them).
OWN_COLUMNS = (
    "transfer_type",
    "stage",
    "reached_agreement",
    "credibility",
    "independent_sources",
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "quantity",
    "quantity_max",
    "quantity_is_estimate",
    "condition",
    "notes",
)
#: A transfer's fields, in the order the API writes them.
TRANSFER_FIELDS = (
    "id",
    "url",
    "display",
    "slug",
    "supplier",
    "recipient",
    "intermediaries",
    "system",
    *OWN_COLUMNS,
    "package",
    "values",
    "status_history",
    "citations",
    "created",
    "updated",
)
#: A weapon system in brief; `name` is its designation.
SYSTEM_BRIEF_FIELDS = ("id", "url", "slug", "name", "display")
#: One event of `status_history`.
STATUS_HISTORY_FIELDS = (
    "id",
    "url",
    "stage",
    "date",
    "date_precision",
    "date_is_inferred",
    "first_reported",
    "first_reported_precision",
    "credibility",
    "computed_credibility",
    "credibility_override",
    "credibility_override_reason",
    "independent_sources",
    "note",
)
#: One of `citations`: a verbatim quote, its source in brief, what it does to
#: its claim, whom the claim is attributed to and the reports it relays.
CITATION_FIELDS = (
    "id",
    "url",
    "source",
    "quote",
    "location",
    "anchor_state",
    "document",
    "start",
    "end",
    "stance",
    "attributed_to",
    "attributed_to_actor",
    "relays",
    "status_event",
    "note",
)
#: The package a transfer is in, in brief (its values are the package's, at its own endpoint).
PACKAGE_BRIEF_FIELDS = ("id", "url", "slug", "name")
#: One of `values`: the transfer's own (a package's value is shown with the package).
VALUE_FIELDS = (
    "id",
    "url",
    "kind",
    "amount",
    "currency",
    "is_estimate",
    "is_hedged",
    "citation",
    "package",
    "note",
)
ACTOR_BRIEF_FIELDS = tuple(ActorBriefSerializer.Meta.fields)
#: One of `intermediaries`: the actor in brief and what it did (`role`, "" when unknown).
INTERMEDIARY_FIELDS = (*ACTOR_BRIEF_FIELDS, "role")
SOURCE_BRIEF_FIELDS = tuple(SourceBriefSerializer.Meta.fields)

#: The package's brief beside its id, as a column name and its path from the
#: transfer. They are read by scalar subqueries (`package_brief`), not a join:
#: with a LEFT JOIN to packages, PostgreSQL took 8 ms to plan a list page,
#: against 1.5 ms (20,000 generated transfers), more than the page's execution.
PACKAGE_BRIEF_PATHS = {"package_slug": ("package", "slug"), "package_name": ("package", "name")}


def package_brief() -> dict:
    """The annotations of `PACKAGE_BRIEF_PATHS`."""
    return {
        column: Subquery(Package.objects.filter(pk=OuterRef("package_id")).order_by().values(field))
        for column, (_, field) in PACKAGE_BRIEF_PATHS.items()
    }


#: The columns a transfer's own row is read with (`TransferRows.columns`).
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
    *OWN_COLUMNS,
    "package_id",
    *PACKAGE_BRIEF_PATHS,
    "created",
    "updated",
)
#: The columns of the parts, each row led by its transfer's id, in the order
#: of the arguments of `TransferShape.intermediary`, `.event` and `.citation`.
INTERMEDIARY_COLUMNS = ("transfer_id", "actor_id", "actor__slug", "actor__name", "role")
EVENT_COLUMNS = (
    "transfer_id",
    "id",
    "stage",
    "date",
    "date_precision",
    "date_is_inferred",
    "first_reported",
    "first_reported_precision",
    "computed_credibility",
    "credibility_override",
    "credibility_override_reason",
    "independent_sources",
    "note",
)
VALUE_COLUMNS = (
    "transfer_id",
    "id",
    "kind",
    "amount",
    "currency",
    "is_estimate",
    "is_hedged",
    "citation_id",
    "package_id",
    "note",
)
#: A source in brief, as read through a relation named `source`.
SOURCE_BRIEF_COLUMNS = (
    "source_id",
    "source__slug",
    "source__title",
    "source__document_key",
    "source__publisher",
    "source__publication_date",
    "source__publication_date_precision",
)
CITATION_COLUMNS = (
    "transfer_id",
    "id",
    *SOURCE_BRIEF_COLUMNS,
    "quote",
    "location",
    "anchor_state",
    "document_id",
    "start",
    "end",
    "stance",
    "attributed_to",
    "attributed_to_actor_id",
    "attributed_to_actor__slug",
    "attributed_to_actor__name",
    "status_event_id",
    "note",
)
#: A citation's relayed reports, each row led by its citation's id, in order.
RELAY_COLUMNS = ("citation_id", *SOURCE_BRIEF_COLUMNS)

#: An amount at the model's scale, as DRF's DecimalField writes it.
VALUE_SCALE = Decimal(10) ** -Value._meta.get_field("amount").decimal_places


def format_decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(VALUE_SCALE), "f")


def format_timestamp(value) -> str:
    """ISO 8601 in the current time zone, UTC written "Z" (as DRF writes it)."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _record(fields: tuple, values: tuple) -> dict:
    """The JSON object of `values` under `fields`, in that order."""
    # Not strict: each values tuple is written beside its fields, and the
    # snapshot test checks every key; strict=True costs more than the dict.
    return dict(zip(fields, values))  # noqa: B905


LINKED = ("transfer", "actor", "system", "statusevent", "citation", "source", "package", "value")


@functools.cache
def _detail_paths() -> dict[str, str]:
    """Each linked record's detail path up to its id, reversed once."""
    return {name: reverse(f"api:{name}-detail", kwargs={"pk": 0})[: -len("0/")] for name in LINKED}


class TransferShape:
    """Builds the JSON of transfers and their parts from plain values, with
    links on `origin` ("https://host")."""

    def __init__(self, origin: str):
        prefix = {name: origin + path for name, path in _detail_paths().items()}
        self._transfer_url = prefix["transfer"]
        self._actor_url = prefix["actor"]
        self._system_url = prefix["system"]
        self._event_url = prefix["statusevent"]
        self._citation_url = prefix["citation"]
        self._source_url = prefix["source"]
        self._package_url = prefix["package"]
        self._value_url = prefix["value"]

    @classmethod
    def for_request(cls, request) -> "TransferShape":
        return cls(request.build_absolute_uri("/")[:-1])

    def actor(self, actor_id, slug, name) -> dict:
        # Actor.__str__ is its name.
        url = f"{self._actor_url}{actor_id}/"
        return _record(ACTOR_BRIEF_FIELDS, (actor_id, url, slug, name, name))

    def intermediary(self, actor_id, slug, name, role) -> dict:
        url = f"{self._actor_url}{actor_id}/"
        return _record(INTERMEDIARY_FIELDS, (actor_id, url, slug, name, name, role))

    def system(self, system_id, slug, designation) -> dict:
        url = f"{self._system_url}{system_id}/"
        return _record(SYSTEM_BRIEF_FIELDS, (system_id, url, slug, designation, designation))

    def event(
        self,
        event_id,
        stage,
        date,
        precision,
        inferred,
        first_reported,
        first_precision,
        computed,
        override,
        reason,
        independent,
        note,
    ) -> dict:
        values = (
            event_id,
            f"{self._event_url}{event_id}/",
            stage,
            format_partial_date(date, precision),
            precision or None,
            inferred,
            format_partial_date(first_reported, first_precision),
            first_precision or None,
            override or computed,
            computed,
            override,
            reason,
            independent,
            note,
        )
        return _record(STATUS_HISTORY_FIELDS, values)

    def package(self, package_id, slug, name) -> dict | None:
        if package_id is None:
            return None
        url = f"{self._package_url}{package_id}/"
        return _record(PACKAGE_BRIEF_FIELDS, (package_id, url, slug, name))

    def value(
        self,
        value_id,
        kind,
        amount,
        currency,
        is_estimate,
        is_hedged,
        citation_id,
        package_id,
        note,
    ) -> dict:
        values = (
            value_id,
            f"{self._value_url}{value_id}/",
            kind,
            format_decimal(amount),
            currency,
            is_estimate,
            is_hedged,
            citation_id,
            package_id,
            note,
        )
        return _record(VALUE_FIELDS, values)

    def source(self, source_id, slug, title, document_key, publisher, published, precision) -> dict:
        values = (
            source_id,
            f"{self._source_url}{source_id}/",
            slug,
            title,
            publisher,
            format_partial_date(published, precision),
            precision or None,
            Source.describe(title, slug, document_key, publisher, published, precision),
        )
        return _record(SOURCE_BRIEF_FIELDS, values)

    def citation(self, sources: dict, relays: list, citation_id, source_id, *rest) -> dict:
        """A citation; `sources` keeps each source's brief, built once per
        page; `relays` are the briefs of the reports it relays."""
        *source, quote, location, anchor_state, document_id, start, end = rest[:-7]
        stance, attributed, actor_id, actor_slug, actor_name, event_id, note = rest[-7:]
        values = (
            citation_id,
            f"{self._citation_url}{citation_id}/",
            self.source_once(sources, source_id, *source),
            quote,
            location,
            anchor_state,
            document_id,
            start,
            end,
            stance,
            attributed,
            None if actor_id is None else self.actor(actor_id, actor_slug, actor_name),
            relays,
            event_id,
            note,
        )
        return _record(CITATION_FIELDS, values)

    def source_once(self, sources: dict, source_id, *source) -> dict:
        if source_id not in sources:
            sources[source_id] = self.source(source_id, *source)
        return sources[source_id]

    def transfer(self, row: dict, intermediaries, values, events, citations) -> dict:
        """A transfer from its row (TRANSFER_COLUMNS) and its parts' JSON."""
        transfer_id, stage = row["id"], row["stage"]
        supplier, recipient = row["supplier__name"], row["recipient__name"]
        designation = row["system__designation"]
        values = (
            transfer_id,
            f"{self._transfer_url}{transfer_id}/",
            Transfer.describe(supplier, recipient, designation, stage),
            row["slug"],
            self.actor(row["supplier_id"], row["supplier__slug"], supplier),
            self.actor(row["recipient_id"], row["recipient__slug"], recipient),
            intermediaries,
            self.system(row["system_id"], row["system__slug"], designation),
            row["transfer_type"],
            stage,
            row["reached_agreement"],
            row["credibility"],
            row["independent_sources"],
            format_partial_date(row["start_date"], row["start_date_precision"]),
            row["start_date_precision"] or None,
            format_partial_date(row["end_date"], row["end_date_precision"]),
            row["end_date_precision"] or None,
            row["quantity"],
            row["quantity_max"],
            row["quantity_is_estimate"],
            row["condition"],
            row["notes"],
            self.package(row["package_id"], row["package_slug"], row["package_name"]),
            values,
            events,
            citations,
            format_timestamp(row["created"]),
            format_timestamp(row["updated"]),
        )
        return _record(TRANSFER_FIELDS, values)

    def assemble(
        self, rows, intermediary_rows, value_rows, event_rows, citation_rows, relay_rows
    ) -> list[dict]:
        """The transfers of `rows` (dicts of TRANSFER_COLUMNS), in their order,
        with their parts from rows of INTERMEDIARY_COLUMNS, VALUE_COLUMNS,
        EVENT_COLUMNS, CITATION_COLUMNS and RELAY_COLUMNS, each already in its
        order within a transfer (or citation)."""
        links = defaultdict(list)
        for transfer_id, *stop in intermediary_rows:
            links[transfer_id].append(self.intermediary(*stop))
        values = defaultdict(list)
        for transfer_id, *value in value_rows:
            values[transfer_id].append(self.value(*value))
        events = defaultdict(list)
        for transfer_id, *event in event_rows:
            events[transfer_id].append(self.event(*event))
        sources: dict = {}
        relays = defaultdict(list)
        for citation_id, *source in relay_rows:
            relays[citation_id].append(self.source_once(sources, *source))
        citations = defaultdict(list)
        for transfer_id, *citation in citation_rows:
            citations[transfer_id].append(self.citation(sources, relays[citation[0]], *citation))
        return [
            self.transfer(
                row, links[row["id"]], values[row["id"]], events[row["id"]], citations[row["id"]]
            )
            for row in rows
        ]


#: The queries of a page's parts, by its transfers' ids (the relays by its
#: citations'), each in its order within a transfer (or citation).
INTERMEDIARY_ROWS = RowsByIds(
    TransferIntermediary.objects.order_by("transfer_id", "position"),
    "transfer_id",
    INTERMEDIARY_COLUMNS,
)
VALUE_ROWS = RowsByIds(Value.objects.order_by("transfer_id", "id"), "transfer_id", VALUE_COLUMNS)
EVENT_ROWS = RowsByIds(
    StatusEvent.objects.order_by("transfer_id", *CHRONOLOGICAL_ORDER), "transfer_id", EVENT_COLUMNS
)
CITATION_ROWS = RowsByIds(
    Citation.objects.order_by("transfer_id", "id"), "transfer_id", CITATION_COLUMNS
)
RELAY_ROWS = RowsByIds(
    CitationRelay.objects.order_by("citation_id", "position"), "citation_id", RELAY_COLUMNS
)


class TransferRows:
    """Transfers read as rows with the ORM and built by a `TransferShape`."""

    def __init__(self, shape: TransferShape):
        self.shape = shape

    @classmethod
    def for_request(cls, request) -> "TransferRows":
        return cls(TransferShape.for_request(request))

    @staticmethod
    def columns(queryset):
        """`queryset` (of transfers, filtered and ordered) as the rows `build` takes."""
        return queryset.annotate(**package_brief()).values(*TRANSFER_COLUMNS)

    def build(self, rows) -> list[dict]:
        """The representations of `rows` (from `columns`), in their order: five
        queries for the parts of all of them."""
        rows = list(rows)
        ids = [row["id"] for row in rows]
        if not ids:
            return []
        citations = CITATION_ROWS.rows(ids)
        return self.shape.assemble(
            rows,
            INTERMEDIARY_ROWS.rows(ids),
            VALUE_ROWS.rows(ids),
            EVENT_ROWS.rows(ids),
            citations,
            # By the citations' ids, read above: through a join to citations
            # PostgreSQL read every relay (a sequential scan, 9 ms a page at
            # 20,000 transfers and growing with the table).
            RELAY_ROWS.rows([citation_id for _, citation_id, *_ in citations]),
        )

    def of(self, transfer: Transfer) -> dict:
        """The representation of one transfer already read with its parties
        (`select_related`), so only its parts are queried."""
        row = {}
        for column in TRANSFER_COLUMNS:
            value = transfer
            for part in PACKAGE_BRIEF_PATHS.get(column) or column.split("__"):
                # A relation left empty (no package) gives None, as .values() does.
                value = None if value is None else getattr(value, part)
            row[column] = value
        (representation,) = self.build([row])
        return representation
