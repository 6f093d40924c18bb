import datetime
import re

from django.conf import settings
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
    ContradictionKind,
    ContradictionState,
    Stance,
    SystemCategory,
    TransferStatus,
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


FLOW_COLUMNS = ["status", "start_date", "end_date", "quantity"]

# Derived for search, not part of the record (see Transfer.search_document).
HISTORY_EXCLUDED = ["search_document"]
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
    and its status is the latest of its status events: the history is kept,
    so a deal cancelled one year and revived later keeps both facts.
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
    status = models.CharField(
        max_length=12,
        choices=TransferStatus.choices,
        default=TransferStatus.REPORTED,
        db_index=True,
        editable=False,
        help_text="The status of the latest status event.",
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
                condition=Q(status__in=TransferStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
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
            self.supplier.name, self.recipient.name, self.system.designation, self.status
        )

    @staticmethod
    def describe(supplier: str, recipient: str, designation: str, status: str) -> str:
        """A transfer as a person would name it, from its parties' names (the
        API's rows build it without model instances)."""
        return f"{supplier} → {recipient}: {designation} ({status})"

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

        `status` is derived: whatever this object holds (a stale copy, a
        version reverted to in the admin), an existing transfer's status is
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
        if update_fields is not None:
            written = {self._meta.get_field(name).attname for name in update_fields}
            for field in self._meta.concrete_fields:
                if field.attname not in written and field.attname not in HISTORY_EXCLUDED:
                    setattr(self, field.attname, getattr(stored, field.attname))
        self.status = self.derived_status(default=stored.status)
        if update_fields is not None and self.status != stored.status:
            return [*update_fields, "status"]
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

    def derived_status(self, *, default):
        """The status of the latest event as stored, or `default` if there is none."""
        latest = self._events_in_order().values_list("status", flat=True).last()
        return default if latest is None else latest

    def refresh_status(self, *, locked: bool = False):
        """Make the stored status the status of the latest event (kept if
        there is none), and this object's status and `updated` follow it.

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
            status = stored.derived_status(default=stored.status)
            if status != stored.status:
                stored.status = status
                for attribute in ("_change_reason", "_history_user"):
                    if hasattr(self, attribute):
                        setattr(stored, attribute, getattr(self, attribute))
                # Model.save(), not update(): the change of status belongs in
                # the history. Not Transfer.save(), which would lock the row
                # and derive its status a second time.
                models.Model.save(stored, update_fields=["status", "updated"])
            self.status, self.updated = stored.status, stored.updated


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
        ]

    def __str__(self):
        return f"{self.position}. {self.actor}"


# Undated events sort first: an event nobody could date is taken to precede
# the dated ones, and among equals the one entered first wins. Meta cannot
# see class attributes, so the order lives here for both.
CHRONOLOGICAL_ORDER = (F("date").asc(nulls_first=True), "id")


class StatusEventQuerySet(models.QuerySet):
    def with_parties(self):
        """With the transfer each event names (its __str__ shows the parties)."""
        return self.select_related(*parties_via("transfer"))


class StatusEvent(TimeStampedModel):
    """A change in a transfer's status (requested, reported, confirmed,
    cancelled, ...), dated as precisely as the evidence allows."""

    CHRONOLOGICAL = CHRONOLOGICAL_ORDER

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(max_length=12, choices=TransferStatus.choices, db_index=True)
    date = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    note = models.TextField(blank=True, validators=[validate_text])

    objects = StatusEventQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = list(CHRONOLOGICAL_ORDER)
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TransferStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            *partial_date_constraints("transfers_statusevent", "date", "date_precision"),
        ]

    def __str__(self):
        when = format_partial_date(self.date, self.date_precision) or "undated"
        return f"{self.get_status_display()} ({when})"

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)

    def clean(self):
        errors = clean_partial_date(self, "date", "date_precision")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        with transaction.atomic():
            transfer = self.lock_transfer()
            super().save(*args, **kwargs)
            self._refresh_status(transfer)

    def delete(self, *args, **kwargs):
        with transaction.atomic():
            transfer = self.lock_transfer()
            result = super().delete(*args, **kwargs)
            self._refresh_status(transfer)
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

    def _refresh_status(self, transfer):
        transfer.refresh_status(locked=True)
        # The transfer object this event holds (often the caller's) follows.
        cached = self._state.fields_cache.get("transfer")
        if cached is not None and cached is not transfer:
            cached.status, cached.updated = transfer.status, transfer.updated


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
    transfer it is about and, where it supports a change of status, to that
    status event."""

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
        max_length=12, choices=Stance.choices, default=Stance.SUPPORTS, db_index=True
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
