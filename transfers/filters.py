import datetime

import django_filters
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from actors.models import Actor
from common.api.filters import (
    ApiFilterSet,
    ChoicesFilter,
    IdFilter,
    SearchFilter,
    StrictBooleanFilter,
    YearFilter,
    ordering_filter,
    reference_filters,
)
from sources.models import Source

from .choices import (
    ContradictionKind,
    ContradictionState,
    Credibility,
    Stage,
    Stance,
    SystemCategory,
    TransferType,
    ValueKind,
)
from .models import (
    Citation,
    Contradiction,
    Package,
    StatusEvent,
    System,
    Transfer,
    TransferIntermediary,
    Value,
)
from .search import CITATION_SEARCH, PACKAGE_SEARCH, SYSTEM_SEARCH, TRANSFER_SEARCH


@extend_schema_field(OpenApiTypes.INT)
class MinimumCredibilityFilter(django_filters.TypedChoiceFilter):
    """A credibility grade 1–6 as a threshold: `3` keeps 1, 2 and 3 (1 is the
    most credible)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(str(value), str(value)) for value in Credibility.values])
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("label", "Minimum credibility")
        super().__init__(*args, **kwargs)


def _actor_filters(role, field_name, what, method=None):
    """The slug and id filters of one actor role, their help in one pattern."""
    return reference_filters(
        field_name,
        Actor.objects.all(),
        role.capitalize(),
        slug_help=f"Transfers {what} the actor with this slug; repeat for several.",
        id_help=f"Transfers {what} the actor with this id; repeat for several.",
        method=method,
    )


class SystemFilterSet(ApiFilterSet):
    category = ChoicesFilter(
        choices=SystemCategory.choices,
        label="Category",
        help_text="Armament category (after SIPRI's); repeat for several.",
    )
    origin, origin_id = reference_filters(
        "origin",
        Actor.objects.all(),
        "Origin",
        slug_help="Systems that come from this country or company; repeat for several.",
        id_help="Systems that come from the actor of this id; repeat for several.",
    )
    search = SearchFilter(
        SYSTEM_SEARCH,
        help_text=(
            "Words in the designation, slug, aliases, NATO reporting name or description. "
            "Ranked on PostgreSQL (websearch syntax); a substring match elsewhere."
        ),
    )
    ordering = ordering_filter(
        {
            "designation": "designation",
            "category": "category",
            "created": "created",
            "updated": "updated",
            "id": "id",
        },
        default="designation",
    )

    class Meta:
        model = System
        fields = []


class TransferFilterSet(ApiFilterSet):
    supplier, supplier_id = _actor_filters("supplier", "supplier", "supplied by")
    recipient, recipient_id = _actor_filters("recipient", "recipient", "received by")
    intermediary, intermediary_id = _actor_filters(
        "intermediary", "intermediaries", "passing through", method="filter_intermediary"
    )
    party, party_id = _actor_filters(
        "party",
        "party",
        "with, as supplier, recipient or intermediary,",
        method="filter_party",
    )
    system, system_id = reference_filters(
        "system",
        System.objects.all(),
        "System",
        slug_help="Transfers of this system; repeat for several.",
        id_help="Transfers of the system with this id; repeat for several.",
    )
    category = ChoicesFilter(
        field_name="system__category",
        choices=SystemCategory.choices,
        label="Category",
        help_text="Category of the transferred system; repeat for several.",
    )
    stage = ChoicesFilter(
        choices=Stage.choices,
        label="Stage",
        help_text="Current stage (that of the latest status event); repeat for several.",
    )
    reached_agreement = StrictBooleanFilter(
        label="Reached agreement",
        help_text=(
            "`true`: transfers with an event at agreed or a later stage of supply (agreed, "
            "delivering, delivered, observed in possession, interdicted); `false`: the others."
        ),
    )
    credibility = ChoicesFilter(
        choices=Credibility.choices,
        label="Credibility",
        help_text="Credibility of the current stage (1–6); repeat for several.",
    )
    min_credibility = MinimumCredibilityFilter(
        field_name="credibility",
        lookup_expr="lte",
        help_text=(
            "Transfers whose current stage is at least this credible: 3 keeps 1 (confirmed), "
            "2 (probably true) and 3 (possibly true)."
        ),
    )
    transfer_type = ChoicesFilter(
        choices=TransferType.choices,
        label="Transfer type",
        help_text="Kind of transfer; repeat for several.",
    )
    year_from = YearFilter(
        method="filter_year_from",
        label="From year",
        help_text=(
            "Transfers whose dates overlap this year or later. A transfer spans its start "
            "year to its end year; with one date only, that year; undated ones never match."
        ),
    )
    year_to = YearFilter(
        method="filter_year_to",
        label="To year",
        help_text="Transfers whose dates overlap this year or earlier (see `year_from`).",
    )
    source, source_id = reference_filters(
        "source",
        Source.objects.all(),
        "Source",
        slug_help="Transfers with a citation from this source; repeat for several.",
        id_help="Transfers with a citation from the source of this id; repeat for several.",
        method="filter_source",
    )
    package, package_id = reference_filters(
        "package",
        Package.objects.all(),
        "Package",
        slug_help="Transfers in this package; repeat for several.",
        id_help="Transfers in the package of this id; repeat for several.",
    )
    search = SearchFilter(
        TRANSFER_SEARCH,
        help_text=(
            "Words in the names and aliases of the supplier, recipient and intermediaries, "
            "the system's designations, aliases and NATO name, the notes and the quotes of "
            "the citations. On PostgreSQL a ranked full-text search (websearch syntax: "
            '"exact phrase", OR, -word), best match first unless `ordering` is given; '
            "elsewhere a substring match."
        ),
    )
    ordering = ordering_filter(
        {
            "start_date": "start_date",
            "end_date": "end_date",
            "supplier__name": "supplier",
            "recipient__name": "recipient",
            "system__designation": "system",
            "stage": "stage",
            "quantity": "quantity",
            "created": "created",
            "updated": "updated",
            "id": "id",
        },
        default="start_date (undated last), id",
    )

    class Meta:
        model = Transfer
        fields = []

    def filter_intermediary(self, queryset, name, actors):
        links = TransferIntermediary.objects.filter(actors.q("actor")).values("transfer")
        return queryset.filter(pk__in=links)

    def filter_party(self, queryset, name, actors):
        links = TransferIntermediary.objects.filter(actors.q("actor")).values("transfer")
        return queryset.filter(actors.q("supplier") | actors.q("recipient") | Q(pk__in=links))

    def filter_source(self, queryset, name, sources):
        cited = Citation.objects.filter(sources.q("source")).values("transfer")
        return queryset.filter(pk__in=cited)

    def filter_year_from(self, queryset, name, year):
        if year is None:
            return queryset
        first_day = datetime.date(year, 1, 1)
        return queryset.filter(
            Q(end_date__gte=first_day) | Q(end_date__isnull=True, start_date__gte=first_day)
        )

    def filter_year_to(self, queryset, name, year):
        if year is None:
            return queryset
        next_year = datetime.date(year + 1, 1, 1)
        return queryset.filter(
            Q(start_date__lt=next_year) | Q(start_date__isnull=True, end_date__lt=next_year)
        )


class AnalyticsFilterSet(TransferFilterSet):
    """The transfer list's filters, without `ordering` (analytics and exports
    have their own fixed order), counting by default only the transfers that
    reached agreement, as SIPRI counts only orders and deliveries:
    `all_stages=true` counts every stage."""

    all_stages = StrictBooleanFilter(
        method="filter_all_stages",
        label="All stages",
        help_text=(
            "`true`: count transfers at every stage. By default only those that reached "
            "agreement (agreed, delivering, delivered, observed in possession, interdicted)."
        ),
    )

    def filter_all_stages(self, queryset, name, value):
        return queryset  # applied in filter_queryset, where its absence counts too

    #: Whether what matches is, without `all_stages` or `reached_agreement`,
    #: only the transfers that reached agreement.
    agreed_by_default = True

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        every_stage = self.form.cleaned_data.get("all_stages") or not self.agreed_by_default
        chosen = self.form.cleaned_data.get("reached_agreement") not in (None, "")
        if not every_stage and not chosen:
            queryset = queryset.filter(reached_agreement=True)
        return queryset


AnalyticsFilterSet.base_filters.pop("ordering")


class RecordsFilterSet(AnalyticsFilterSet):
    """For the JSON Lines export: the records themselves, for syncing, so every
    stage unless `reached_agreement` narrows them (`all_stages` is accepted
    and changes nothing)."""

    agreed_by_default = False


class StatusEventFilterSet(ApiFilterSet):
    transfer, transfer_id = reference_filters(
        "transfer",
        Transfer.objects.all(),
        "Transfer",
        slug_help="Events of this transfer; repeat for several.",
        id_help="Events of the transfer with this id; repeat for several.",
    )
    stage = ChoicesFilter(
        choices=Stage.choices,
        label="Stage",
        help_text="Events recording this stage; repeat for several.",
    )
    min_credibility = MinimumCredibilityFilter(
        method="filter_min_credibility",
        help_text="Events at least this credible (1 is the most): 3 keeps 1, 2 and 3.",
    )

    def filter_min_credibility(self, queryset, name, value):
        # An event's credibility is its override, else the computed one.
        return queryset.filter(
            Q(credibility_override__lte=value)
            | Q(credibility_override__isnull=True, computed_credibility__lte=value)
        )

    ordering = ordering_filter(
        {"date": "date", "created": "created", "updated": "updated", "id": "id"},
        default="transfer, date (undated first), id",
    )

    class Meta:
        model = StatusEvent
        fields = []


class CitationFilterSet(ApiFilterSet):
    source, source_id = reference_filters(
        "source",
        Source.objects.all(),
        "Source",
        slug_help="Citations quoting this source; repeat for several.",
        id_help="Citations quoting the source of this id; repeat for several.",
    )
    transfer, transfer_id = reference_filters(
        "transfer",
        Transfer.objects.all(),
        "Transfer",
        slug_help="Citations about this transfer; repeat for several.",
        id_help="Citations about the transfer of this id; repeat for several.",
    )
    status_event = IdFilter(
        field_name="status_event",
        queryset=StatusEvent.objects.all(),
        label="Status event (id)",
        help_text="Citations supporting the status event of this id.",
    )
    stance = ChoicesFilter(
        choices=Stance.choices,
        label="Stance",
        help_text="Whether the quote supports or contradicts the claim.",
    )
    search = SearchFilter(
        CITATION_SEARCH,
        help_text=(
            "Words in the quote, location or note; ranked on PostgreSQL, a substring "
            "match elsewhere."
        ),
    )
    ordering = ordering_filter(
        {"created": "created", "updated": "updated", "id": "id"},
        default="transfer, id",
    )

    class Meta:
        model = Citation
        fields = []


class PackageFilterSet(ApiFilterSet):
    search = SearchFilter(
        PACKAGE_SEARCH,
        help_text=(
            "Words in the name, slug or notes; ranked on PostgreSQL, a substring match elsewhere."
        ),
    )
    ordering = ordering_filter(
        {"name": "name", "created": "created", "updated": "updated", "id": "id"},
        default="name, id",
    )

    class Meta:
        model = Package
        fields = []


class ValueFilterSet(ApiFilterSet):
    transfer, transfer_id = reference_filters(
        "transfer",
        Transfer.objects.all(),
        "Transfer",
        slug_help="Values of this transfer (its own); repeat for several.",
        id_help="Values of the transfer with this id (its own); repeat for several.",
    )
    package, package_id = reference_filters(
        "package",
        Package.objects.all(),
        "Package",
        slug_help="Values of this package as a whole; repeat for several.",
        id_help="Values of the package with this id as a whole; repeat for several.",
    )
    kind = ChoicesFilter(
        choices=ValueKind.choices,
        label="Kind",
        help_text="Values of this kind; repeat for several.",
    )
    citation = IdFilter(
        field_name="citation",
        queryset=Citation.objects.all(),
        label="Citation (id)",
        help_text="Values given by the citation of this id.",
    )
    ordering = ordering_filter(
        {"amount": "amount", "created": "created", "updated": "updated", "id": "id"},
        default="id",
    )

    class Meta:
        model = Value
        fields = []


class ContradictionFilterSet(ApiFilterSet):
    state = ChoicesFilter(
        choices=ContradictionState.choices,
        label="State",
        help_text="Open or resolved; repeat for several.",
    )
    kind = ChoicesFilter(
        choices=ContradictionKind.choices,
        label="Kind",
        help_text="What disagrees (stance, stage, quantity, value, other); repeat for several.",
    )
    transfer, transfer_id = reference_filters(
        "transfer",
        Transfer.objects.all(),
        "Transfer",
        slug_help="Contradictions about this transfer; repeat for several.",
        id_help="Contradictions about the transfer with this id; repeat for several.",
    )
    detected = StrictBooleanFilter(
        label="Detected",
        help_text="true: found by the rule (citations for and against one event); false: entered.",
    )
    ordering = ordering_filter(
        {"created": "created", "updated": "updated", "resolved_at": "resolved_at", "id": "id"},
        default="id",
    )

    class Meta:
        model = Contradiction
        fields = []
