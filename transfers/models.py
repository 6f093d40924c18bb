import datetime
import re

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
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
from sources.models import Source

from .choices import (
    Condition,
    Credibility,
    IntermediaryRole,
    Stage,
    Stance,
    SystemCategory,
    TransferType,
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
UNDATED_LAST = Coalesce("start_date", Value(datetime.date.max))


# A transfer is named by its supplier, recipient and system (its __str__):
# whatever lists transfers, or records that name their transfer, joins these.
def quantity_constraints() -> list[models.CheckConstraint]:
    """A number of items (a deal's or a year's deliveries) is unknown or at
    least 0, and only a known number can be an estimate; each model that has
    `quantity` and `quantity_is_estimate` takes these, named after it."""
    return [
        models.CheckConstraint(
            condition=Q(quantity__isnull=True) | Q(quantity__gte=0),
            name="%(app_label)s_%(class)s_quantity_not_negative",
        ),
        models.CheckConstraint(
            condition=~Q(quantity__isnull=True, quantity_is_estimate=True),
            name="%(app_label)s_%(class)s_estimate_needs_quantity",
        ),
    ]


TRANSFER_PARTIES = ("supplier", "recipient", "system")


def parties_via(relation: str) -> list[str]:
    """TRANSFER_PARTIES as reached from a record pointing at a transfer."""
    return [f"{relation}__{name}" for name in TRANSFER_PARTIES]


FLOW_COLUMNS = ["stage", "reached_agreement", "credibility", "start_date", "end_date", "quantity"]

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
    quantity_is_estimate = models.BooleanField(default=False)
    value = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, help_text="Value, where known."
    )
    value_currency = models.CharField(
        max_length=3, blank=True, help_text="ISO 4217 code of the value's currency, e.g. USD."
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
            # Covering the columns flows filter and sum on, so that counting
            # and aggregating flows reads the index alone (PostgreSQL; SQLite
            # builds them on the key columns only).
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
                condition=(
                    Q(value__isnull=True, value_currency="")
                    | Q(value__isnull=False, value__gte=0) & ~Q(value_currency="")
                ),
                name="%(app_label)s_%(class)s_value_with_currency",
            ),
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
        if self.quantity is None and self.quantity_is_estimate:
            errors["quantity_is_estimate"] = "Only a known quantity can be marked as an estimate."
        if self.value is not None and not self.value_currency:
            errors["value_currency"] = "Give the currency of the value (ISO 4217, e.g. USD)."
        if self.value is None and self.value_currency:
            errors["value"] = "A currency needs a value; clear it or give the value."
        if self.value is not None and self.value < 0:
            errors["value"] = "A value cannot be negative."
        if self.value_currency:
            self.value_currency = self.value_currency.upper()
            if not (len(self.value_currency) == 3 and self.value_currency.isalpha()):
                errors["value_currency"] = "Use a three-letter ISO 4217 code, e.g. USD."
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
        transfer.refresh_from_db(fields=[*evidence.TRANSFER_DERIVED, "updated"])
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
        if self.quantity is None and self.quantity_is_estimate:
            raise ValidationError(
                {"quantity_is_estimate": "Only a known number can be marked as an estimate."}
            )


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
        help_text="Copied exactly from the document: one or two sentences.",
        validators=[validate_text],
    )
    location = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the quote stands, e.g. 'paragraph 4'.",
        validators=[validate_single_line],
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
            # (300 ms a page at two million).
            models.Index(fields=["transfer", "id"], name="sources_citation_list_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quote=""), name="sources_citation_quote_not_empty"),
            models.CheckConstraint(
                condition=Q(stance__in=Stance.values), name="sources_citation_stance_valid"
            ),
        ]

    def __str__(self):
        excerpt = self.quote if len(self.quote) <= 60 else self.quote[:57] + "…"
        return f"{self.get_stance_display()}: “{excerpt}” ({self.source.title or self.source.slug})"

    def clean(self):
        self._take_transfer_from_status_event()
        errors = {}
        if not self.quote.strip():
            errors["quote"] = "Copy the supporting sentence from the document."
        if (
            self.status_event_id
            and self.transfer_id
            and self.status_event.transfer_id != self.transfer_id
        ):
            errors["status_event"] = "This status event belongs to another transfer."
        if errors:
            raise ValidationError(errors)

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
