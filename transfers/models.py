import datetime
import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.db.models import Value as Constant
from django.db.models.functions import Coalesce, Length, Upper
from django.db.models.lookups import Exact
from django.utils.text import slugify

from actors.models import Actor
from common.concurrency import ConcurrentChange
from common.dates import (
    DatePrecision,
    clean_partial_date,
    format_partial_date,
    partial_date_constraints,
    partial_date_order_constraint,
    partial_dates_in_order,
)
from common.fields import AliasesField
from common.history import History
from common.models import TimeStampedModel
from common.slugs import SlugNotOnlyDigits, addressable_slug, slug_not_only_digits_constraint
from common.validators import validate_single_line, validate_text
from sources.models import Source, SourceText

from .choices import (
    AnchorState,
    Condition,
    ContradictionKind,
    ContradictionState,
    Credibility,
    IntermediaryRole,
    Stage,
    Stance,
    SystemCategory,
    TransferType,
    ValueKind,
)


class SystemQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class System(TimeStampedModel):
    """A weapon system or class of systems, e.g. the S-300 or the Shahed-136."""

    designation = models.CharField(max_length=200, db_index=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=100, unique=True, validators=[SlugNotOnlyDigits("system")])
    category = models.CharField(max_length=20, choices=SystemCategory.choices, db_index=True)
    nato_reporting_name = models.CharField(
        max_length=200, blank=True, validators=[validate_single_line]
    )
    aliases = AliasesField(help_text="Other designations, one per line (e.g. Geran-2).")
    origin = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="systems_originated",
        help_text="The country (or company) the system comes from.",
    )
    description = models.TextField(blank=True, validators=[validate_text])

    objects = SystemQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["designation", "id"]
        constraints = [
            slug_not_only_digits_constraint(),
            models.CheckConstraint(
                condition=Q(category__in=SystemCategory.values),
                name="%(app_label)s_%(class)s_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(designation=""), name="%(app_label)s_%(class)s_designation_not_empty"
            ),
        ]

    def __str__(self):
        return self.designation

    def natural_key(self):
        return (self.slug,)


# The default order of transfers (Transfer.Meta.ordering, so the API, the
# admin and every unordered query agree): by start date, undated ones last. A
# COALESCE rather than NULLS LAST, so that one index serves both the order
# and keyset (cursor) pagination over it, which needs a key that is never NULL.
UNDATED_LAST = Coalesce("start_date", Constant(datetime.date.max))


# A transfer is named by its supplier, recipient and system (its __str__):
# whatever lists transfers, or records that name their transfer, joins these.
def quantity_constraints() -> list[models.CheckConstraint]:
    """A number of items (a deal's or a year's deliveries) is unknown or at
    least 0, only a known number can be an estimate, and a range's high end
    (`quantity_max`) is at least its low end (`quantity`), which is then
    known; each model that has `quantity`, `quantity_max` and
    `quantity_is_estimate` takes these, named after it, and mirrors them in
    its clean() with clean_quantity()."""
    return [
        models.CheckConstraint(
            condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
            name="%(app_label)s_%(class)s_quantity_not_negative",
        ),
        models.CheckConstraint(
            condition=~Q(quantity__isnull=True, quantity_is_estimate=True),
            name="%(app_label)s_%(class)s_estimate_needs_quantity",
        ),
        models.CheckConstraint(
            condition=Q(quantity_max__isnull=True)
            | Q(quantity__isnull=False, quantity_max__gte=F("quantity")),
            name="%(app_label)s_%(class)s_quantity_range_in_order",
        ),
    ]


def quantity_max_field():
    """The high end of a quantity given as a range (`quantity` is then its low end)."""
    return models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=(
            "When the number is a range (e.g. 24 to 36): its high end, with `quantity` the "
            "low end. Leave empty for a single number."
        ),
    )


def clean_quantity(record, *, what: str = "quantity") -> dict[str, str]:
    """The errors of quantity_constraints() for `record`, keyed by field, as clean() raises them."""
    errors = {}
    if record.quantity is None and record.quantity_is_estimate:
        errors["quantity_is_estimate"] = f"Only a known {what} can be marked as an estimate."
    if record.quantity_max is not None:
        if record.quantity is None:
            errors["quantity"] = "A range needs its low end: give the quantity too."
        elif record.quantity_max < record.quantity:
            errors["quantity_max"] = (
                f"The high end of the range ({record.quantity_max}) is below "
                f"its low end ({record.quantity})."
            )
    return errors


def clean_currency(record, field: str = "currency") -> dict[str, str]:
    """Upper-case `record.<field>` and say if it is not a three-letter ISO 4217 code."""
    code = getattr(record, field)
    if not code:
        return {field: "Give the currency (ISO 4217, e.g. USD)."}
    code = code.upper()
    setattr(record, field, code)
    if not (len(code) == 3 and code.isascii() and code.isalpha()):
        return {field: "Use a three-letter ISO 4217 code, e.g. USD."}
    return {}


TRANSFER_PARTIES = ("supplier", "recipient", "system")


def parties_via(relation: str) -> list[str]:
    """TRANSFER_PARTIES as reached from a record pointing at a transfer."""
    return [f"{relation}__{name}" for name in TRANSFER_PARTIES]


#: What flows and actor profiles filter, group, join and sum on, held by the
#: covering indexes below. With `id` and `system`, an actor profile's reads
#: of its transfers (its works cited among them) need no table pages: the
#: biggest of 100,000 generated transfers' suppliers read 5,218 of them,
#: 208 ms of a 332 ms works-cited count.
FLOW_COLUMNS = [
    "stage",
    "reached_agreement",
    "credibility",
    "start_date",
    "end_date",
    "quantity",
    "system",
    "id",
]

# Stages are stored by name; the longest ("observed_in_possession") fits.
STAGE_LENGTH = 25

# Derived, not part of the record: the search document, and what the evidence
# says (transfers.evidence recomputes it whenever the evidence changes, which
# is no editor's change and would bury the edits in the history).
EVIDENCE_DERIVED = ["reached_agreement", "credibility", "independent_sources"]
HISTORY_EXCLUDED = ["search_document", *EVIDENCE_DERIVED]
# Tries at a generated slug before giving up (each retry follows a commit
# that took the one tried, so a handful of concurrent creates need a handful).
SLUG_ATTEMPTS = 20


class TransferQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def lock(self, pk):
        """The stored row of transfer `pk`, locked until the transaction ends
        (SELECT … FOR UPDATE on PostgreSQL), or None if there is none.

        Every write to a transfer or to its status events takes this lock
        first, so those writes run one after another per transfer: the
        status recomputed from the events sees every event committed before
        it, and the history row written is the row as stored.
        """
        return self.select_for_update().defer("search_document").filter(pk=pk).first()

    def with_parties(self):
        return self.select_related(*TRANSFER_PARTIES)


class Transfer(TimeStampedModel):
    """A deal or flow of arms from a supplier to a recipient.

    The deal is kept apart from its deliveries (per-year numbers delivered),
    and its stage is the latest of its status events: the history is kept,
    so a deal cancelled one year and revived later keeps both facts. How
    sure we can be is the credibility of that latest event, from its
    evidence (transfers.evidence).
    """

    slug = models.SlugField(
        max_length=150,
        unique=True,
        blank=True,
        validators=[SlugNotOnlyDigits("transfer")],
        help_text="Stable identifier; generated from the parties, system and year if left empty.",
    )
    supplier = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="transfers_supplied")
    recipient = models.ForeignKey(
        Actor, on_delete=models.PROTECT, related_name="transfers_received"
    )
    intermediaries = models.ManyToManyField(
        Actor,
        through="TransferIntermediary",
        related_name="transfers_intermediated",
        blank=True,
    )
    system = models.ForeignKey(System, on_delete=models.PROTECT, related_name="transfers")
    transfer_type = models.CharField(
        max_length=20, choices=TransferType.choices, default=TransferType.SALE, db_index=True
    )
    stage = models.CharField(
        max_length=STAGE_LENGTH,
        choices=Stage.choices,
        default=Stage.UNDER_DISCUSSION,
        db_index=True,
        editable=False,
        help_text="The stage of the latest status event.",
    )
    reached_agreement = models.BooleanField(
        default=False,
        db_default=False,
        editable=False,
        help_text=(
            "Whether some status event is at agreed or a later stage of supply (agreed, "
            "delivering, delivered, observed in possession, interdicted)."
        ),
    )
    credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices,
        default=Credibility.CANNOT_BE_JUDGED,
        db_default=Credibility.CANNOT_BE_JUDGED,
        db_index=True,
        editable=False,
        help_text="The credibility of the current stage's claim (its latest status event).",
    )
    independent_sources = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="Independent roots of the evidence supporting the current stage.",
    )
    quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Number of items; leave empty if unknown (not zero)."
    )
    quantity_max = quantity_max_field()
    quantity_is_estimate = models.BooleanField(default=False)
    package = models.ForeignKey(
        "Package",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        help_text="The package this transfer was agreed or reported in, with others.",
    )
    condition = models.CharField(
        max_length=25, choices=Condition.choices, blank=True, help_text="Leave empty if unknown."
    )
    start_date = models.DateField(null=True, blank=True, db_index=True)
    start_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    end_date = models.DateField(null=True, blank=True, db_index=True)
    end_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    notes = models.TextField(blank=True, validators=[validate_text])
    # Derived, for full-text search on PostgreSQL (GIN-indexed there; NULL on
    # SQLite): the weighted vector of transfers.search.TRANSFER_SEARCH, kept
    # up to date by transfers.search_index. Not part of the record, so not in
    # its history or in fixtures.
    search_document = SearchVectorField(null=True, editable=False, serialize=False)

    objects = TransferQuerySet.as_manager()
    history = History(excluded_fields=HISTORY_EXCLUDED)

    class Meta:
        ordering = [UNDATED_LAST, "id"]
        indexes = [
            # Covering FLOW_COLUMNS, so that counting and aggregating flows and
            # profiles reads the index alone (PostgreSQL; SQLite builds them on
            # the key columns only).
            models.Index(
                fields=["supplier", "recipient"],
                include=FLOW_COLUMNS,
                name="transfers_supplier_recipient",
            ),
            models.Index(
                fields=["recipient", "supplier"],
                include=FLOW_COLUMNS,
                name="transfers_recipient_supplier",
            ),
            models.Index(UNDATED_LAST, F("id"), name="transfers_start_undated_last"),
            # A supplier's or recipient's transfers in list order: the first
            # page of a filtered list stops after a page of rows instead of
            # sorting every one of a big supplier's transfers.
            models.Index(F("supplier"), UNDATED_LAST, F("id"), name="transfers_supplier_start"),
            models.Index(F("recipient"), UNDATED_LAST, F("id"), name="transfers_recipient_start"),
        ]
        constraints = [
            slug_not_only_digits_constraint(),
            models.CheckConstraint(
                condition=~Q(supplier=F("recipient")),
                name="%(app_label)s_%(class)s_supplier_not_recipient",
            ),
            *quantity_constraints(),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values),
                name="%(app_label)s_%(class)s_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(transfer_type__in=TransferType.values),
                name="%(app_label)s_%(class)s_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(condition="") | Q(condition__in=Condition.values),
                name="%(app_label)s_%(class)s_condition_valid",
            ),
            *partial_date_constraints("transfers_transfer", "start_date", "start_date_precision"),
            *partial_date_constraints("transfers_transfer", "end_date", "end_date_precision"),
            partial_date_order_constraint(
                "transfers_transfer_end_not_before_start",
                "start_date",
                "end_date",
                "end_date_precision",
            ),
        ]

    def __str__(self):
        return self.describe(
            self.supplier.name, self.recipient.name, self.system.designation, self.stage
        )

    @staticmethod
    def describe(supplier: str, recipient: str, designation: str, stage: str) -> str:
        """A transfer as a person would name it, from its parties' names (the
        API's rows build it without model instances)."""
        return f"{supplier} → {recipient}: {designation} ({stage})"

    def natural_key(self):
        return (self.slug,)

    natural_key.dependencies = ["actors.actor", "transfers.system"]

    @property
    def start_date_display(self):
        return format_partial_date(self.start_date, self.start_date_precision)

    @property
    def end_date_display(self):
        return format_partial_date(self.end_date, self.end_date_precision)

    def clean(self):
        errors = {}
        errors.update(clean_partial_date(self, "start_date", "start_date_precision"))
        errors.update(clean_partial_date(self, "end_date", "end_date_precision"))
        if self.supplier_id and self.recipient_id and self.supplier_id == self.recipient_id:
            errors["recipient"] = "The recipient must differ from the supplier."
        if not errors and not partial_dates_in_order(
            self.start_date, self.start_date_precision, self.end_date, self.end_date_precision
        ):
            errors["end_date"] = (
                f"The end ({self.end_date_display}) is before "
                f"the start ({self.start_date_display})."
            )
        errors.update(clean_quantity(self))
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        """Write the transfer, keeping its history true to what is stored.

        `stage` is derived: whatever this object holds (a stale copy, a
        version reverted to in the admin), an existing transfer's stage is
        recomputed from its events under the row lock. With `update_fields`
        the other fields are taken from the stored row, so the history row
        (a snapshot of this object) is the row as it now stands.
        """
        with transaction.atomic():
            stored = Transfer.objects.lock(self.pk) if self.pk is not None else None
            if stored is not None:
                kwargs["update_fields"] = self._follow_stored(stored, kwargs.get("update_fields"))
            if self.slug:
                super().save(*args, **kwargs)
            else:
                self._save_with_generated_slug(*args, **kwargs)

    def _follow_stored(self, stored, update_fields):
        # What the evidence says is the stored row's, whatever this object holds.
        for name in EVIDENCE_DERIVED:
            setattr(self, name, getattr(stored, name))
        if update_fields is not None:
            written = {self._meta.get_field(name).attname for name in update_fields}
            for field in self._meta.concrete_fields:
                if field.attname not in written and field.attname not in HISTORY_EXCLUDED:
                    setattr(self, field.attname, getattr(stored, field.attname))
        self.stage = self.derived_stage(default=stored.stage)
        if update_fields is not None and self.stage != stored.stage:
            return [*update_fields, "stage"]
        return update_fields

    def _save_with_generated_slug(self, *args, **kwargs):
        # Two writers can pick the same free slug at once; the unique index
        # lets one through and the other tries the next free one, so a client
        # that sent no slug never gets a conflict over one.
        for _attempt in range(SLUG_ATTEMPTS):
            self.slug = self._unique_slug()
            try:
                with transaction.atomic():
                    super().save(*args, **kwargs)
                return
            except IntegrityError:
                if not Transfer.objects.filter(slug=self.slug).exclude(pk=self.pk).exists():
                    raise  # another rule broke, not the slug's uniqueness
        raise IntegrityError(f"No free slug found for {self.slug} in {SLUG_ATTEMPTS} attempts.")

    def _unique_slug(self):
        """The base slug, or base-2, base-3, …: the first one free, found in
        one query whatever the number of transfers sharing the base."""
        parts = [self.supplier.slug, self.recipient.slug, self.system.slug]
        if self.start_date:
            parts.append(str(self.start_date.year))
        base = addressable_slug(slugify("-".join(parts))[:140], "transfer")
        taken = set(
            Transfer.objects.filter(slug__regex=rf"^{re.escape(base)}(-[0-9]+)?$")
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}-{counter}", counter + 1
        return slug

    def _events_in_order(self):
        return StatusEvent.objects.filter(transfer_id=self.pk).order_by(*StatusEvent.CHRONOLOGICAL)

    def latest_status_event(self):
        return self._events_in_order().last()

    def derived_stage(self, *, default):
        """The stage of the latest event as stored, or `default` if there is none."""
        latest = self._events_in_order().values_list("stage", flat=True).last()
        return default if latest is None else latest

    def refresh_stage(self, *, locked: bool = False):
        """Make the stored stage the stage of the latest event (kept if
        there is none), and this object's stage and `updated` follow it.

        Reads and writes the locked stored row, not this object, which may
        be older than the row: the history row written is what is stored.
        `locked=True` says this object is that row, locked by the caller in
        the current transaction (as `StatusEvent.lock_transfer` returns it),
        so it is not locked and read again. Raises ConcurrentChange if the
        transfer was deleted meanwhile.
        """
        with transaction.atomic():
            stored = self if locked else Transfer.objects.lock(self.pk)
            if stored is None:
                raise ConcurrentChange(
                    f"Transfer #{self.pk} was deleted by another write meanwhile."
                )
            stage = stored.derived_stage(default=stored.stage)
            if stage != stored.stage:
                stored.stage = stage
                for attribute in ("_change_reason", "_history_user"):
                    if hasattr(self, attribute):
                        setattr(stored, attribute, getattr(self, attribute))
                # Model.save(), not update(): the change of stage belongs in
                # the history. Not Transfer.save(), which would lock the row
                # and derive its stage a second time.
                models.Model.save(stored, update_fields=["stage", "updated"])
            self.stage, self.updated = stored.stage, stored.updated


def deletion_started_from_transfers(origin) -> bool:
    """Whether a deletion started from transfers (`origin`, as the delete
    signals give it: the instance or queryset `delete()` was called on).
    Their parts go with them, so what refreshes on a part's deletion (its
    transfer's evidence, contradictions, search document) has nothing to do."""
    model = getattr(origin, "model", type(origin))
    return isinstance(model, type) and issubclass(model, Transfer)


class TransferIntermediary(models.Model):
    """An actor a transfer passed through on its way, in order.

    That a stop is neither the supplier nor the recipient, nor listed twice,
    is a rule over the transfer and all its stops, so it is checked where
    they are written together: transfers.services.validate_intermediaries.
    """

    transfer = models.ForeignKey(
        Transfer, on_delete=models.CASCADE, related_name="intermediary_links"
    )
    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="intermediary_links")
    position = models.PositiveSmallIntegerField(default=1, help_text="1 for the first stop, …")
    role = models.CharField(
        max_length=20,
        choices=IntermediaryRole.choices,
        blank=True,
        help_text="What the intermediary did: broker, transit, re-exporter or carrier; "
        "blank when the evidence does not say.",
    )

    history = History()

    class Meta:
        ordering = ["transfer_id", "position"]
        verbose_name = "intermediary"
        verbose_name_plural = "intermediaries"
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "position"], name="%(app_label)s_%(class)s_unique_position"
            ),
            models.UniqueConstraint(
                fields=["transfer", "actor"], name="%(app_label)s_%(class)s_unique_actor"
            ),
            models.CheckConstraint(
                condition=Q(role="") | Q(role__in=IntermediaryRole.values),
                name="%(app_label)s_%(class)s_role_valid",
            ),
        ]

    def __str__(self):
        role = f" ({self.get_role_display().lower()})" if self.role else ""
        return f"{self.position}. {self.actor}{role}"


# Undated events sort first: an event nobody could date is taken to precede
# the dated ones, and among equals the one entered first wins. Meta cannot
# see class attributes, so the order lives here for both.
CHRONOLOGICAL_ORDER = (F("date").asc(nulls_first=True), "id")


class StatusEventQuerySet(models.QuerySet):
    def with_parties(self):
        """With the transfer each event names (its __str__ shows the parties)."""
        return self.select_related(*parties_via("transfer"))


class StatusEvent(TimeStampedModel):
    """A claim that a transfer reached a stage (requested, agreed, delivered,
    cancelled, ...): when it happened, as precisely as the evidence allows,
    and how sure we can be of it.

    `date` is when it happened (empty when no text says); when it was first
    reported is derived from its earliest citation's source. Its credibility
    is computed from its citations by transfers.evidence; an editor may
    override it, with a reason, and the override is kept in the history.
    """

    CHRONOLOGICAL = CHRONOLOGICAL_ORDER

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="status_events")
    stage = models.CharField(max_length=STAGE_LENGTH, choices=Stage.choices, db_index=True)
    date = models.DateField(
        null=True, blank=True, help_text="When it happened; leave empty if no source says."
    )
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    date_is_inferred = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The date is inferred (e.g. from 'yesterday' and the article's date).",
    )
    credibility_override = models.PositiveSmallIntegerField(
        choices=Credibility.choices,
        null=True,
        blank=True,
        help_text="An editor's judgement replacing the computed credibility; give the reason.",
    )
    credibility_override_reason = models.TextField(blank=True, validators=[validate_text])
    note = models.TextField(blank=True, validators=[validate_text])
    # Derived from the citations by transfers.evidence (not in fixtures).
    computed_credibility = models.PositiveSmallIntegerField(
        choices=Credibility.choices,
        default=Credibility.CANNOT_BE_JUDGED,
        db_default=Credibility.CANNOT_BE_JUDGED,
        editable=False,
        help_text="The credibility the rule gives this claim's evidence.",
    )
    independent_sources = models.PositiveSmallIntegerField(
        default=0,
        db_default=0,
        editable=False,
        help_text="Independent roots among the citations supporting this claim.",
    )
    first_reported = models.DateField(
        null=True, blank=True, editable=False, help_text="The earliest citation's source date."
    )
    first_reported_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True, editable=False
    )

    objects = StatusEventQuerySet.as_manager()
    history = History(
        excluded_fields=[
            "computed_credibility",
            "independent_sources",
            "first_reported",
            "first_reported_precision",
        ]
    )

    class Meta:
        ordering = list(CHRONOLOGICAL_ORDER)
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values),
                name="%(app_label)s_%(class)s_stage_valid",
            ),
            *partial_date_constraints("transfers_statusevent", "date", "date_precision"),
            models.CheckConstraint(
                condition=Q(credibility_override__isnull=True)
                | Q(credibility_override__gte=1, credibility_override__lte=6),
                name="%(app_label)s_%(class)s_credibility_override_valid",
            ),
            models.CheckConstraint(
                condition=Q(credibility_override__isnull=True, credibility_override_reason="")
                | Q(credibility_override__isnull=False) & ~Q(credibility_override_reason=""),
                name="%(app_label)s_%(class)s_override_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(date_is_inferred=False) | Q(date__isnull=False),
                name="%(app_label)s_%(class)s_inferred_date_needs_date",
            ),
        ]

    def __str__(self):
        when = format_partial_date(self.date, self.date_precision) or "undated"
        return f"{self.get_stage_display()} ({when})"

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)

    @property
    def first_reported_display(self):
        return format_partial_date(self.first_reported, self.first_reported_precision)

    @property
    def credibility(self):
        """The editor's override if there is one, else the computed credibility."""
        return self.credibility_override or self.computed_credibility

    def clean(self):
        errors = clean_partial_date(self, "date", "date_precision")
        if self.credibility_override is not None and not self.credibility_override_reason.strip():
            errors["credibility_override_reason"] = (
                "Say why the computed credibility is overridden."
            )
        if self.credibility_override is None and self.credibility_override_reason.strip():
            errors["credibility_override"] = (
                "A reason needs an override; choose the credibility or clear the reason."
            )
        if self.date_is_inferred and self.date is None:
            errors["date_is_inferred"] = "Only a date that is given can be marked as inferred."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        with transaction.atomic():
            transfer = self.lock_transfer()
            super().save(*args, **kwargs)
            self._refresh_stage(transfer)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            transfer = self.lock_transfer()
            result = super().delete(*args, **kwargs)
            self._refresh_stage(transfer)
        return result

    def lock_transfer(self):
        """Lock the event's transfer before the event is written (see
        TransferQuerySet.lock): concurrent event writes then take turns, and
        the status each leaves is that of the latest event.

        Raises ConcurrentChange if the transfer was deleted meanwhile.
        """
        transfer = Transfer.objects.lock(self.transfer_id)
        if transfer is None:
            raise ConcurrentChange(
                {
                    "transfer": (
                        f"Transfer #{self.transfer_id} was deleted by another write "
                        "meanwhile; the status event was not saved."
                    )
                }
            )
        return transfer

    def _refresh_stage(self, transfer):
        from . import evidence  # it imports these models

        transfer.refresh_stage(locked=True)
        evidence.refresh([transfer.pk], using=self._state.db or "default")
        transfer.refresh_from_db(fields=evidence.TRANSFER_DERIVED)
        # The transfer object this event holds (often the caller's) follows.
        cached = self._state.fields_cache.get("transfer")
        if cached is not None and cached is not transfer:
            for name in ("stage", "updated", *evidence.TRANSFER_DERIVED):
                setattr(cached, name, getattr(transfer, name))


class Delivery(models.Model):
    """Numbers of a transfer's items delivered in one year."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="deliveries")
    year = models.PositiveSmallIntegerField()
    year_is_estimate = models.BooleanField(default=False)
    quantity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Leave empty if the number is unknown."
    )
    quantity_max = quantity_max_field()
    quantity_is_estimate = models.BooleanField(default=False)

    history = History()

    class Meta:
        ordering = ["transfer_id", "year"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "year"], name="%(app_label)s_%(class)s_unique_year"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1900, year__lte=2200),
                name="%(app_label)s_%(class)s_year_plausible",
            ),
            *quantity_constraints(),
        ]

    def __str__(self):
        number = "unknown number" if self.quantity is None else str(self.quantity)
        return f"{self.year}: {number}"

    def clean(self):
        errors = clean_quantity(self, what="number")
        if errors:
            raise ValidationError(errors)


class Citation(TimeStampedModel):
    """Evidence for a claim: a verbatim quote from a Source, tied to the
    transfer it is about and, where it bears on a stage, to that status event.

    The quote is the document in hand's; the claim is often someone else's.
    `attributed_to` is whom the text gives it to ("Ukrainian intelligence",
    "an unnamed Israeli major"), and `relays` the earlier reports it passes
    on, from the original to this document: the first of them (or else this
    document) is the claim's root, and two citations are independent only if
    their roots differ (transfers.evidence).
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="citations")
    status_event = models.ForeignKey(
        StatusEvent,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
        help_text="The status event this quote supports, if it is about one.",
    )
    quote = models.TextField(
        # Blank in forms: offsets into the stored text give it (clean() fills
        # it in, and refuses a citation that has neither).
        blank=True,
        help_text=(
            "Copied exactly from the document: one or two sentences. Left empty, it is taken "
            "from the stored text at the offsets given."
        ),
        validators=[validate_text],
    )
    location = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "Where the quote stands, e.g. 'paragraph 4'; derived from the anchor when the "
            "source's text is stored."
        ),
        validators=[validate_single_line],
    )
    # Where the quote stands in the stored text (the W3C Web Annotation
    # model's TextPositionSelector and TextQuoteSelector): text[start:end] is
    # the quote, prefix and suffix the text around it, which find it again in
    # a corrected version (transfers.anchors). All empty when the source has
    # no stored text.
    document = models.ForeignKey(
        SourceText,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="citations",
        help_text="The version of the source's text the quote is anchored in.",
    )
    start = models.PositiveIntegerField(
        null=True, blank=True, help_text="Offset of the quote's first character in that text."
    )
    end = models.PositiveIntegerField(
        null=True, blank=True, help_text="Offset just past the quote's last character."
    )
    prefix = models.CharField(
        max_length=64, blank=True, help_text="The text just before the quote."
    )
    suffix = models.CharField(max_length=64, blank=True, help_text="The text just after the quote.")
    anchor_state = models.CharField(
        max_length=10,
        choices=AnchorState.choices,
        default=AnchorState.UNANCHORED,
        db_default=AnchorState.UNANCHORED,
        db_index=True,
    )
    stance = models.CharField(
        max_length=16, choices=Stance.choices, default=Stance.SUPPORTS, db_index=True
    )
    attributed_to = models.CharField(
        max_length=300,
        blank=True,
        help_text=(
            "Whom the text attributes the claim to (a person, office or agency, as named "
            "there); leave empty if the document asserts it itself."
        ),
        validators=[validate_single_line],
    )
    attributed_to_actor = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_citations",
        help_text="The actor the claim is attributed to, where there is one.",
    )
    note = models.TextField(blank=True, validators=[validate_text])
    # Derived, for full-text search on PostgreSQL (GIN-indexed there; NULL on
    # SQLite): the weighted vector of transfers.search.CITATION_SEARCH, kept up
    # to date by transfers.search_index. Not part of the record, so not in its
    # history or in fixtures.
    search_document = SearchVectorField(null=True, editable=False, serialize=False)

    # The model moved here from `sources`; its tables, indexes and constraints
    # kept their names (a state-only migration), hence the explicit names.
    history = History(excluded_fields=["search_document"], table_name="sources_historicalcitation")

    class Meta:
        db_table = "sources_citation"
        ordering = ["transfer_id", "id"]
        indexes = [
            # The list's order: without it each page sorted all the citations
            # (300 ms a page at two million). It holds the source too, so that
            # counting an actor's works cited (the profile) reads the index
            # alone on PostgreSQL: 43 ms against 15 for 6,500 citations.
            models.Index(
                fields=["transfer", "id"], include=["source"], name="sources_citation_list_order"
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quote=""), name="sources_citation_quote_not_empty"),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="sources_citation_stance_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        document__isnull=True,
                        start__isnull=True,
                        end__isnull=True,
                        anchor_state=AnchorState.UNANCHORED,
                    )
                    | Q(
                        document__isnull=False,
                        start__isnull=False,
                        end__gt=F("start"),
                        anchor_state__in=[AnchorState.ANCHORED, AnchorState.ORPHANED],
                    )
                ),
                name="sources_citation_anchor_whole",
            ),
        ]

    def __str__(self):
        excerpt = self.quote if len(self.quote) <= 60 else self.quote[:57] + "…"
        return f"{self.get_stance_display()}: “{excerpt}” ({self.source.title or self.source.slug})"

    def clean(self):
        from .anchors import anchor_citation

        self._take_transfer_from_status_event()
        errors = {}
        if not self.quote.strip() and self.start is None:
            errors["quote"] = "Copy the supporting sentence from the document."
        if (
            self.status_event_id
            and self.transfer_id
            and self.status_event.transfer_id != self.transfer_id
        ):
            errors["status_event"] = "This status event belongs to another transfer."
        if errors:
            raise ValidationError(errors)
        if self.source_id:
            anchor_citation(self)

    def save(self, *args, **kwargs):
        self._take_transfer_from_status_event()
        super().save(*args, **kwargs)

    def _take_transfer_from_status_event(self):
        # A citation entered on a status event is about that event's transfer.
        if self.status_event_id and not self.transfer_id:
            self.transfer_id = self.status_event.transfer_id


class CitationRelay(models.Model):
    """An earlier report a citation passes on: "Iran's Fars said …", "CNN
    and The Wall Street Journal reported …". In order: position 1 is the
    original report, the last one the report the document in hand took it
    from. A report the database has no text or address for is a Source all
    the same (its publisher and date, as the text gives them)."""

    citation = models.ForeignKey(Citation, on_delete=models.CASCADE, related_name="relays")
    position = models.PositiveSmallIntegerField(
        default=1, help_text="1 for the original report, then towards the document in hand."
    )
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="relayed_in")
    note = models.TextField(blank=True, validators=[validate_text])

    history = History()

    class Meta:
        ordering = ["citation_id", "position"]
        verbose_name = "relayed report"
        verbose_name_plural = "relayed reports"
        constraints = [
            models.UniqueConstraint(
                fields=["citation", "position"], name="%(app_label)s_%(class)s_unique_position"
            ),
            models.UniqueConstraint(
                fields=["citation", "source"], name="%(app_label)s_%(class)s_unique_source"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1), name="%(app_label)s_%(class)s_position_from_one"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.source}"

    def clean(self):
        if self.citation_id and self.source_id and self.citation.source_id == self.source_id:
            raise ValidationError(
                {"source": "This is the citation's own document; a relay is an earlier report."}
            )


class PackageQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Package(TimeStampedModel):
    """Transfers agreed or reported together, e.g. the 2016 "six billion dollar
    shopping list": a value of the whole is a Value of the package (kind
    `package`), recorded once and not on each of its transfers."""

    slug = models.SlugField(max_length=150, unique=True, validators=[SlugNotOnlyDigits("package")])
    name = models.CharField(max_length=300, validators=[validate_single_line])
    notes = models.TextField(blank=True, validators=[validate_text])

    objects = PackageQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            slug_not_only_digits_constraint(),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


class ValueQuerySet(models.QuerySet):
    def with_owners(self):
        """With the transfer (and its parties) or package each value names."""
        return self.select_related(*parties_via("transfer"), "package")


class Value(TimeStampedModel):
    """A sum of money a source gives for a transfer (its contract value, a
    payment) or for a package of transfers (kind `package`, the value of the
    whole), with the citation that gives it.

    A value belongs to exactly one transfer or one package; kind `package`
    is the kind of a package's values and of no transfer's (a transfer's
    share of a package is not known from the package's value). Its citation
    is one of its transfer's, or for a package value one of the package's
    transfers'.
    """

    transfer = models.ForeignKey(
        Transfer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="values",
        help_text="The transfer this is the value of (or give a package).",
    )
    package = models.ForeignKey(
        Package,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="values",
        help_text="The package this is the value of, as a whole (or give a transfer).",
    )
    kind = models.CharField(max_length=10, choices=ValueKind.choices, default=ValueKind.CONTRACT)
    amount = models.DecimalField(max_digits=18, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(
        max_length=3, help_text="ISO 4217 code of the amount's currency, e.g. USD."
    )
    is_estimate = models.BooleanField(default=False, help_text="The amount is an estimate.")
    is_hedged = models.BooleanField(
        default=False, help_text="The source hedges it (“reportedly”, “up to”, “some”)."
    )
    # RESTRICT rather than PROTECT: deleting a transfer deletes its values with
    # its citations, but a citation another record's value rests on (a package
    # value citing one of the package's transfers) cannot be deleted from under it.
    citation = models.ForeignKey(
        Citation,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="values",
        help_text="The citation that gives this value.",
    )
    note = models.TextField(blank=True, validators=[validate_text])

    objects = ValueQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["transfer_id", "package_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(transfer__isnull=False, package__isnull=True)
                | Q(transfer__isnull=True, package__isnull=False),
                name="%(app_label)s_%(class)s_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(package__isnull=True) & ~Q(kind=ValueKind.PACKAGE)
                | Q(package__isnull=False, kind=ValueKind.PACKAGE),
                name="%(app_label)s_%(class)s_package_kind_on_packages",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ValueKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="%(app_label)s_%(class)s_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Exact(Length("currency"), 3) & Exact(Upper("currency"), F("currency")),
                name="%(app_label)s_%(class)s_currency_code",
            ),
        ]
        indexes = [models.Index(fields=["package", "id"], name="transfers_value_package")]

    def __str__(self):
        estimate = "~" if self.is_estimate else ""
        return f"{self.get_kind_display()}: {estimate}{self.amount} {self.currency}"

    def clean(self):
        errors = {}
        has_transfer = self.transfer_id is not None or self.transfer is not None
        has_package = self.package_id is not None
        if has_transfer == has_package:
            errors["transfer"] = "Give either the transfer or the package this is the value of."
        elif has_package and self.kind != ValueKind.PACKAGE:
            errors["kind"] = "A package's value is of kind “package” (the value of the whole)."
        elif has_transfer and self.kind == ValueKind.PACKAGE:
            errors["kind"] = (
                "Kind “package” is for a package's value: record it on the package, once."
            )
        errors.update(clean_currency(self))
        if self.citation_id is not None and not errors.get("transfer"):
            cited = Citation.objects.filter(pk=self.citation_id)
            if has_package:
                cited = cited.filter(transfer__package_id=self.package_id)
            else:
                cited = cited.filter(transfer_id=self.transfer_id)
            if self.transfer_id is None and not has_package or not cited.exists():
                errors["citation"] = (
                    "The citation must be one of this package's transfers'."
                    if has_package
                    else "The citation must be one of this transfer's."
                )
        if errors:
            raise ValidationError(errors)


class ContradictionQuerySet(models.QuerySet):
    def with_parties(self):
        """With the transfer each contradiction names (its __str__ shows the parties)."""
        return self.select_related(*parties_via("transfer"), "resolved_by")


class Contradiction(TimeStampedModel):
    """Claims about one transfer that cannot all be true, kept as a record
    with a state: open until an editor resolves it, saying how.

    A status event with citations for it and against it gets one of kind
    "stance" by itself (`detected`, kept true by transfers.contradictions);
    editors record the others (stages that cannot both hold at that time,
    different quantities or values) by hand. That the citations and status
    events are the transfer's own, and that a "stance" one names some, are
    rules over the links, checked where they are written with them:
    transfers.contradictions.validate_links.
    """

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="contradictions")
    kind = models.CharField(max_length=10, choices=ContradictionKind.choices, db_index=True)
    state = models.CharField(
        max_length=10,
        choices=ContradictionState.choices,
        default=ContradictionState.OPEN,
        db_index=True,
    )
    description = models.TextField(
        validators=[validate_text], help_text="What disagrees with what, in a sentence or two."
    )
    citations = models.ManyToManyField(
        Citation,
        blank=True,
        related_name="contradictions",
        help_text="The citations in conflict (of this transfer).",
    )
    status_events = models.ManyToManyField(
        StatusEvent,
        blank=True,
        related_name="contradictions",
        help_text="The status events in conflict (of this transfer).",
    )
    resolution = models.TextField(
        blank=True,
        validators=[validate_text],
        help_text="How it was resolved: which claim stands, and why. Empty while open.",
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="contradictions_resolved",
        help_text="Who resolved it; empty while open, or when it resolved itself.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    detected = models.BooleanField(
        default=False,
        editable=False,
        help_text="Found by the rule (citations for and against one status event), not entered.",
    )

    objects = ContradictionQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ContradictionKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ContradictionState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="%(app_label)s_%(class)s_description_not_empty",
            ),
            # Resolved exactly when there is a resolution and a time; open
            # ones have neither, nor anyone who resolved them.
            models.CheckConstraint(
                condition=(
                    Q(
                        state=ContradictionState.OPEN,
                        resolution="",
                        resolved_at__isnull=True,
                        resolved_by__isnull=True,
                    )
                    | Q(state=ContradictionState.RESOLVED, resolved_at__isnull=False)
                    & ~Q(resolution="")
                ),
                name="%(app_label)s_%(class)s_resolved_with_resolution",
            ),
        ]
        indexes = [
            models.Index(fields=["transfer", "state"], name="transfers_contradiction_state"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_state_display().lower()}): {self.transfer}"

    @property
    def is_open(self) -> bool:
        return self.state == ContradictionState.OPEN

    def clean(self):
        errors = {}
        if not self.description.strip():
            errors["description"] = "Say what disagrees with what."
        if self.state == ContradictionState.RESOLVED and not self.resolution.strip():
            errors["resolution"] = "A resolved contradiction needs its resolution: say how."
        if self.state == ContradictionState.OPEN and self.resolution.strip():
            errors["resolution"] = (
                "An open contradiction has no resolution yet: resolve it (state resolved) "
                "or leave the resolution empty."
            )
        if errors:
            raise ValidationError(errors)
