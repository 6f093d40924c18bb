"""The explorer's pages: public, read-only, rendered on the server.

The register reads transfers exactly as the API's list does: the same
FilterSet (so its query string is the API's, and its errors are the API's
field messages), the same paging and the same rows (TransferRows), so its
cost stays the API's plus a template, and the JSON and CSV links beside it
give the same transfers. Anything that can be slow at a million transfers
(the facets' counts) is a fragment of its own, fetched after the page (by
htmx, or by a plain link without JavaScript)."""

import time
from collections import Counter
from urllib.parse import quote, urlencode

from django.db import OperationalError, connection, transaction
from django.db.models import Count, F
from django.db.models.functions import ExtractYear
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from actors.models import Actor, ActorRelation
from common.api.fields import record_lookups
from common.api.pagination import COUNT_LIMIT, ApiPagination
from sources.anchoring import segments
from sources.models import Source
from transfers import aggregates
from transfers.api.representation import TransferRows
from transfers.api.views import TransferViewSet
from transfers.choices import Credibility, Stage, SystemCategory
from transfers.filters import TransferFilterSet
from transfers.models import (
    Citation,
    Contradiction,
    Delivery,
    StatusEvent,
    System,
    Transfer,
    TransferIntermediary,
)

from . import charts
from .query import PAGING, QueryString

#: How many values each facet lists, most frequent first.
FACET_SIZE = 10
#: How long the facets of one request may count on PostgreSQL, in all.
FACETS_TIME_LIMIT_MS = 1000
#: How many flows the flows page draws (the heaviest); the matrix lists all.
DRAWN_FLOWS = 40
#: The timeline lists the claims of this many transfers, the latest-starting.
TIMELINE_TRANSFERS = 30
#: The intermediaries the network draws as nodes (the most frequent).
DRAWN_INTERMEDIARIES = 20
#: The flows the page's table lists (the heaviest); the API's list has them all.
LISTED_FLOWS = 200


class BadQuery(Exception):
    """A filter, page or cursor the API would answer with a 400 or 404."""

    def __init__(self, errors, status=400):
        super().__init__(errors)
        self.errors = errors
        self.status = status


def _messages(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {key: [str(item) for item in value] for key, value in detail.items()}
    return {"query": [str(item) for item in detail] if isinstance(detail, list) else [str(detail)]}


def filtered_transfers(request):
    """The transfers matching the request's query, filtered as the API's
    list filters them, with its API request (DRF's, for paging and links)."""
    api_request = Request(request)
    filterset = TransferFilterSet(
        request.GET, queryset=TransferViewSet.queryset.all(), request=api_request
    )
    if not filterset.is_valid():
        raise BadQuery(_messages(filterset.errors))
    return filterset, api_request


def _check_references(filterset):
    errors = filterset.unknown_references()
    if errors:
        raise BadQuery(errors)


class _CursorFirst:
    """The request as ApiPagination reads it, paging by cursor unless a page
    number is asked for: a cursor goes as deep as the register does."""

    def __init__(self, request):
        self._request = request
        self.query_params = request.GET.copy()
        if "page" not in self.query_params:
            self.query_params.setdefault("cursor", "")

    def build_absolute_uri(self):
        return self._request.get_full_path()


class RecordLinks:
    """The explorer's paths of a transfer's records, built from one reversal
    per kind: a page of 100 transfers reversed 400 URLs, a third of its time."""

    def __init__(self):
        self.prefixes = {
            kind: reverse(f"explorer:{kind}", args=["_"]).removesuffix("_/")
            for kind in ("transfer", "actor", "system", "source")
        }

    def path(self, kind: str, key) -> str:
        return f"{self.prefixes[kind]}{quote(str(key), safe='')}/"

    def of_transfer(self, transfer: dict) -> dict:
        return {
            "transfer": self.path("transfer", transfer["slug"] or transfer["id"]),
            "supplier": self.path("actor", transfer["supplier"]["slug"]),
            "recipient": self.path("actor", transfer["recipient"]["slug"]),
            "system": self.path("system", transfer["system"]["slug"]),
        }


def _bad_query_page(request, error: BadQuery):
    return render(
        request,
        "explorer/bad_query.html",
        {"errors": error.errors, "query": QueryString(request.GET)},
        status=error.status,
    )


def _edit_url(request, obj) -> str | None:
    """The admin's change page, for an editor allowed to change `obj`."""
    opts = obj._meta
    if request.user.is_staff and request.user.has_perm(
        f"{opts.app_label}.change_{opts.model_name}"
    ):
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return None


def _without_blanks(request):
    """A redirect to the same query without its empty fields, if it has any:
    the register's form sends every field, and an empty one means "any"
    (the API would refuse an empty choice)."""
    if all(value.strip() for _, values in request.GET.lists() for value in values):
        return None
    params = request.GET.copy()
    for name, values in request.GET.lists():
        params.setlist(name, [value for value in values if value.strip()])
    encoded = params.urlencode()
    return redirect(f"{request.path}?{encoded}" if encoded else request.path)


def _read_query(request):
    """(query, filterset, None) for the transfers the request's query
    matches; or, with the response to give instead, a redirect to the query
    without its empty fields or the page of a bad query."""
    if tidy := _without_blanks(request):
        return None, None, tidy
    query = QueryString(request.GET)
    try:
        filterset, _ = filtered_transfers(request)
        _check_references(filterset)
    except BadQuery as error:
        return query, None, _bad_query_page(request, error)
    return query, filterset, None


@require_safe
def register(request):
    if tidy := _without_blanks(request):
        return tidy
    query = QueryString(request.GET)
    try:
        filterset, api_request = filtered_transfers(request)
        paginator = ApiPagination()
        try:
            rows = paginator.paginate_queryset(
                filterset.qs, _CursorFirst(request), read=TransferRows.columns
            )
        except ValidationError as exc:
            raise BadQuery(_messages(exc.detail)) from None
        except NotFound as exc:
            raise BadQuery(_messages(exc.detail), status=404) from None
        if not rows:
            _check_references(filterset)
        transfers = TransferRows.for_request(api_request).build(rows)
        links = RecordLinks()
        for transfer in transfers:
            transfer["links"] = links.of_transfer(transfer)
        matching = paginator.count
        if matching is None:
            matching = paginator.capped_count(filterset.qs)
    except BadQuery as error:
        return _bad_query_page(request, error)
    return render(
        request,
        "explorer/register.html",
        {
            "transfers": transfers,
            "matching": matching,
            "matching_is_capped": matching > COUNT_LIMIT,
            "count_limit": COUNT_LIMIT,
            "next_url": paginator.next_url,
            "previous_url": paginator.previous_url,
            "query": query,
            "form": filterset.form,
            "stages": Stage.choices,
            "categories": SystemCategory.choices,
            "credibilities": Credibility.choices,
            "orderings": ORDERINGS,
            "selected": {name: set(query.params.getlist(name)) for name in FORM_FILTERS},
            "hidden_filters": [
                (name, value)
                for name, values in query.params.lists()
                if name not in FORM_FILTERS and name not in PAGING
                for value in values
            ],
        },
    )


#: The filters the register's form shows; the others in use (a supplier, a
#: system chosen from a facet) travel with it as hidden fields.
FORM_FILTERS = (
    "search",
    "stage",
    "category",
    "min_credibility",
    "year_from",
    "year_to",
    "ordering",
)

#: The register's sorting choices (the API's `ordering` values).
ORDERINGS = [
    ("", "Start date"),
    ("-start_date", "Start date, latest first"),
    ("supplier", "Supplier"),
    ("recipient", "Recipient"),
    ("system", "System"),
    ("stage", "Stage"),
    ("-quantity", "Quantity, largest first"),
    ("-updated", "Last changed"),
]


class TimeBudget:
    """Milliseconds the facets of one request may spend counting on
    PostgreSQL (as Datasette bounds its facets): a reader's broad query must
    not hold a worker for seconds. A facet that does not finish in what is
    left is given up; once it is spent, the others are not tried."""

    def __init__(self, milliseconds: int):
        self.deadline = time.monotonic() + milliseconds / 1000

    def rows(self, queryset) -> list | None:
        """The rows of `queryset`, or None if they could not be counted in
        time. Elsewhere than on PostgreSQL, all of them."""
        if connection.vendor != "postgresql":
            return list(queryset)
        left = int((self.deadline - time.monotonic()) * 1000)
        if left < 20:
            return None
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SHOW statement_timeout")
                    (previous,) = cursor.fetchone()
                    cursor.execute("SET LOCAL statement_timeout = %s", [left])
                rows = list(queryset)
                # Inside a request's transaction a SET LOCAL would outlive
                # the savepoint: put the server's limit back.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
                return rows
        except OperationalError:  # canceled: the savepoint, and the limit, rolled back
            return None


def _facet(budget, queryset, key, label):
    rows = budget.rows(
        queryset.values(*key)
        .annotate(transfers=Count("pk"))
        .order_by("-transfers", *key)[:FACET_SIZE]
    )
    return None if rows is None else [(label(row), row, row["transfers"]) for row in rows]


def facet_counts(filterset, query: QueryString) -> list[dict]:
    """Each facet's most frequent values among the matching transfers, with
    the register's query narrowed to each value."""
    base = aggregates.narrowed(filterset.qs)
    budget = TimeBudget(FACETS_TIME_LIMIT_MS)
    stages = dict(Stage.choices)
    categories = dict(SystemCategory.choices)
    credibilities = dict(Credibility.choices)
    facets = [
        (
            "supplier",
            "Supplier",
            ("supplier__slug", "supplier__name"),
            "supplier__slug",
            lambda r: r["supplier__name"],
        ),
        (
            "recipient",
            "Recipient",
            ("recipient__slug", "recipient__name"),
            "recipient__slug",
            lambda r: r["recipient__name"],
        ),
        (
            "system",
            "System",
            ("system__slug", "system__designation"),
            "system__slug",
            lambda r: r["system__designation"],
        ),
        (
            "category",
            "Category",
            ("system__category",),
            "system__category",
            lambda r: categories.get(r["system__category"], r["system__category"]),
        ),
        ("stage", "Stage", ("stage",), "stage", lambda r: stages.get(r["stage"], r["stage"])),
        (
            "credibility",
            "Credibility",
            ("credibility",),
            "credibility",
            lambda r: credibilities.get(r["credibility"], r["credibility"]),
        ),
    ]
    out = []
    for param, title, key, value_key, label in facets:
        counted = _facet(budget, base, key, label)
        if counted is None:
            out.append({"param": param, "title": title, "values": None})
            continue
        values = []
        for text, row, count in counted:
            value = str(row[value_key])
            values.append(
                {
                    "label": text,
                    "count": count,
                    "active": query.has(param, value),
                    "href": query.toggled(param, value),
                }
            )
        out.append({"param": param, "title": title, "values": values})
    years = budget.rows(
        base.annotate(year=ExtractYear("start_date"))
        .filter(year__isnull=False)
        .values("year")
        .annotate(transfers=Count("pk"))
        .order_by("-transfers", "-year")[:FACET_SIZE]
    )
    out.append(
        {
            "param": "year",
            "title": "Start year",
            "values": None
            if years is None
            else [
                {
                    "label": str(row["year"]),
                    "count": row["transfers"],
                    "active": query.has("year_from", str(row["year"]))
                    and query.has("year_to", str(row["year"])),
                    "href": query.with_year(row["year"]),
                }
                for row in years
            ],
        }
    )
    return out


@require_safe
def facets(request):
    query, filterset, answer = _read_query(request)
    if answer:
        return answer
    template = (
        "explorer/_facets.html" if request.headers.get("HX-Request") else "explorer/facets.html"
    )
    return render(request, template, {"facets": facet_counts(filterset, query), "query": query})


def _by_key(model, key, queryset=None):
    """The record whose id or slug is `key`, found as the API finds one."""
    queryset = model.objects.all() if queryset is None else queryset
    for lookup in record_lookups(key):
        record = queryset.filter(**lookup).first()
        if record is not None:
            return record
    raise Http404(f"No {model._meta.verbose_name} is called {key!r}.")


@require_safe
def transfer_detail(request, key):
    transfer = _by_key(Transfer, key, TransferViewSet.queryset.all())
    data = TransferRows.for_request(Request(request)).of(transfer)
    citations_by_event: dict = {}
    for citation in data["citations"]:
        citations_by_event.setdefault(citation["status_event"], []).append(citation)
    timeline = [
        {**event, "citations": citations_by_event.get(event["id"], [])}
        for event in data["status_history"]
    ]
    return render(
        request,
        "explorer/transfer.html",
        {
            "transfer": transfer,
            "data": data,
            "timeline": timeline,
            "general_citations": citations_by_event.get(None, []),
            "deliveries": Delivery.objects.filter(transfer=transfer).order_by("year", "id"),
            "contradictions": Contradiction.objects.filter(transfer=transfer).order_by("id"),
            "edit_url": _edit_url(request, transfer),
        },
    )


def _bars(rows, label, href, value="transfers"):
    return charts.bar_chart((label(row), row[value], href(row)) for row in rows)


@require_safe
def actor_detail(request, key):
    actor = _by_key(Actor, key)
    profile = aggregates.actor_profile(actor, Transfer.objects.all())
    register = reverse("explorer:register")
    sides = []
    for role, param, partner_param in (
        ("supplied", "supplier", "recipient"),
        ("received", "recipient", "supplier"),
    ):
        side = profile[role]
        sides.append(
            {
                "role": role,
                "totals": side,
                "register_url": f"{register}?{param}={actor.slug}",
                "by_partner": _bars(
                    side["by_partner"],
                    lambda row: row["actor"]["name"],
                    lambda row, p=param, pp=partner_param: (
                        f"{register}?{p}={actor.slug}&{pp}={row['actor']['slug']}"
                    ),
                ),
                "by_year": _bars(
                    side["by_year"],
                    lambda row: str(row["year"]) if row["year"] else "undated",
                    lambda row, p=param: (
                        f"{register}?{p}={actor.slug}&year_from={row['year']}&year_to={row['year']}"
                        if row["year"]
                        else f"{register}?{p}={actor.slug}"
                    ),
                ),
            }
        )
    relations = (
        ActorRelation.objects.filter(actor=actor)
        .select_related("related")
        .order_by("kind", "related__name")
    )
    related_to = (
        ActorRelation.objects.filter(related=actor)
        .select_related("actor")
        .order_by("kind", "actor__name")
    )
    party = TransferFilterSet(
        QueryDict(urlencode({"party": actor.slug})),
        queryset=Transfer.objects.select_related("supplier", "recipient", "system"),
    )
    transfers = party.qs[:50]
    return render(
        request,
        "explorer/actor.html",
        {
            "actor": actor,
            "sides": sides,
            "relations": relations,
            "related_to": related_to,
            "transfers": transfers,
            "party_url": f"{register}?party={actor.slug}",
            "edit_url": _edit_url(request, actor),
        },
    )


@require_safe
def system_detail(request, key):
    system = _by_key(System, key, System.objects.select_related("origin"))
    transfers = Transfer.objects.filter(system=system).select_related("supplier", "recipient")
    register = reverse("explorer:register")
    by_recipient = (
        transfers.values("recipient__slug", "recipient__name")
        .annotate(transfers=Count("pk"))
        .order_by("-transfers", "recipient__name")
    )
    return render(
        request,
        "explorer/system.html",
        {
            "system": system,
            "transfers": transfers[:50],
            "count": transfers.count(),
            "register_url": f"{register}?system={system.slug}",
            "by_recipient": _bars(
                by_recipient,
                lambda row: row["recipient__name"],
                lambda row: f"{register}?system={system.slug}&recipient={row['recipient__slug']}",
            ),
            "edit_url": _edit_url(request, system),
        },
    )


@require_safe
def source_detail(request, key):
    source = _by_key(Source, key)
    document = source.current_text
    citations = list(
        Citation.objects.filter(source=source)
        .select_related(
            "transfer__supplier", "transfer__recipient", "transfer__system", "status_event"
        )
        .order_by("start", "id")
    )
    pieces = []
    if document is not None:
        anchored = [c for c in citations if c.document_id == document.pk and c.start is not None]
        seen: set = set()
        for text, keys in segments(document.text, [(c.start, c.end, c.pk) for c in anchored]):
            starts = [key for key in keys if key not in seen]
            seen.update(keys)
            pieces.append({"text": text, "citations": keys, "starts": starts})
    return render(
        request,
        "explorer/source.html",
        {
            "source": source,
            "document": document,
            "pieces": pieces,
            "citations": citations,
            "edit_url": _edit_url(request, source),
        },
    )


@require_safe
def flows(request):
    query, filterset, answer = _read_query(request)
    if answer:
        return answer
    register = reverse("explorer:register")
    by_size = sorted(
        (aggregates.flow_row(row) for row in aggregates.flows(filterset.qs)),
        key=lambda row: -row["transfers"],
    )
    heaviest = by_size[:DRAWN_FLOWS]
    links = RecordLinks()

    def party(actor):
        return (actor["id"], actor["name"], links.path("actor", actor["slug"]))

    sankey = charts.sankey(
        (
            party(row["supplier"]),
            party(row["recipient"]),
            row["transfers"],
            query.narrowed_url(
                register, supplier=row["supplier"]["slug"], recipient=row["recipient"]["slug"]
            ),
        )
        for row in heaviest
    )
    network = _network(filterset, heaviest, links)
    # The claims of the latest-starting transfers: a bounded read (their ids
    # come from the start-date index), where "the latest claims among every
    # match" sorted every status event of a big supplier's 120,000 transfers
    # (2.8 s at a million).
    latest = filterset.qs.order_by(F("start_date").desc(nulls_last=True), "-id").values_list(
        "pk", flat=True
    )
    timeline = (
        StatusEvent.objects.filter(transfer__in=list(latest[:TIMELINE_TRANSFERS]))
        .select_related("transfer__supplier", "transfer__recipient", "transfer__system")
        .order_by(F("date").desc(nulls_last=True), "-id")
    )
    return render(
        request,
        "explorer/flows.html",
        {
            "query": query,
            "flows": by_size[:LISTED_FLOWS],
            "flow_count": len(by_size),
            "drawn": len(heaviest),
            "timeline_transfers": TIMELINE_TRANSFERS,
            "api_flows_url": query.narrowed_url(reverse("api:flows")),
            "sankey": sankey,
            "network": network,
            "timeline": timeline,
            "register_url": query.narrowed_url(register),
        },
    )


def _network(filterset, heaviest, links):
    """The heaviest flows as a network, each path through the most frequent
    intermediaries drawn as its legs (supplier → intermediary → … →
    recipient); a path through any other stays its flow's direct edge."""
    flows = {(row["supplier"]["id"], row["recipient"]["id"]) for row in heaviest}
    parties: dict = {}
    for row in heaviest:
        for actor in (row["supplier"], row["recipient"]):
            parties[actor["id"]] = (actor["name"], links.path("actor", actor["slug"]), "party")
    # Only the transfers of the flows drawn: intermediaries of the others
    # would not be drawn.
    drawn = aggregates.narrowed(filterset.qs).filter(
        supplier_id__in={supplier for supplier, _ in flows},
        recipient_id__in={recipient for _, recipient in flows},
    )
    stops = (
        TransferIntermediary.objects.filter(transfer__in=drawn)
        .values(
            "transfer_id",
            "transfer__supplier_id",
            "transfer__recipient_id",
            "actor_id",
            "actor__slug",
            "actor__name",
        )
        .order_by("transfer_id", "position", "id")
    )
    via_paths: dict = {}
    intermediaries: dict = {}
    frequency: Counter = Counter()
    for stop in stops:
        if (stop["transfer__supplier_id"], stop["transfer__recipient_id"]) not in flows:
            continue
        path = via_paths.setdefault(
            stop["transfer_id"], [stop["transfer__supplier_id"], stop["transfer__recipient_id"]]
        )
        path.insert(-1, stop["actor_id"])
        frequency[stop["actor_id"]] += 1
        intermediaries[stop["actor_id"]] = (
            stop["actor__name"],
            links.path("actor", stop["actor__slug"]),
            "intermediary",
        )
    shown = {actor for actor, _ in frequency.most_common(DRAWN_INTERMEDIARIES)}
    edges: dict = {}
    via_counts: Counter = Counter()
    for path in via_paths.values():
        if not shown.issuperset(path[1:-1]):
            continue
        for start, end in zip(path, path[1:], strict=False):
            edges[(start, end, True)] = edges.get((start, end, True), 0) + 1
        via_counts[(path[0], path[-1])] += 1
    for actor in shown:
        parties.setdefault(actor, intermediaries[actor])
    for row in heaviest:
        pair = (row["supplier"]["id"], row["recipient"]["id"])
        direct = row["transfers"] - via_counts[pair]
        if direct > 0:
            edges[(*pair, False)] = direct
    return charts.network(parties, edges)
