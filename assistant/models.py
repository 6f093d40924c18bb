from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from actors.models import Actor
from common.dates import DatePrecision, clean_partial_date, partial_date_constraints
from common.models import TimeStampedModel
from common.validators import validate_single_line, validate_text
from sources.models import SourceText
from transfers.choices import Stage, TransferType
from transfers.models import Citation, Stance, System, Transfer


class Reading(models.Model):
    """The assistant's reading of one version of a source's text: the names
    it found there (mentions), and the claims it proposes, as candidates.
    One per version: the same text (same SHA-256) is read once."""

    document = models.OneToOneField(SourceText, on_delete=models.CASCADE, related_name="reading")
    mentions = models.JSONField(
        default=list,
        blank=True,
        help_text="The known and new names found: start, end, text, kind, key, how.",
    )
    created = models.DateTimeField(auto_now_add=True, editable=False)

    class Meta:
        ordering = ["-created", "id"]

    def __str__(self):
        return f"Reading of {self.document}"


class CandidateState(models.TextChoices):
    PENDING = "pending", "Waiting for review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class CandidateQuerySet(models.QuerySet):
    def visible(self):
        """What the API shows: rejected candidates never appear."""
        return self.exclude(state=CandidateState.REJECTED)


class Candidate(TimeStampedModel):
    """A claim the assistant proposes from a passage of a text: who supplied
    what to whom, how far it got, how sure the text is and whom it cites,
    with the exact passage. An editor accepts it (after correcting it, if
    need be), which writes the transfer, status event and citation, or
    rejects it."""

    reading = models.ForeignKey(Reading, on_delete=models.CASCADE, related_name="candidates")
    #: The assistant's identity of the claim: reading the same text again
    #: proposes the same keys, and a key is proposed once per reading.
    key = models.CharField(max_length=64, editable=False)
    start = models.PositiveIntegerField(help_text="Offset of the passage in the text.")
    end = models.PositiveIntegerField(help_text="Offset just past the passage.")
    quote = models.TextField(help_text="The passage: text[start:end].", validators=[validate_text])

    supplier = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recipient = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intermediaries = models.ManyToManyField(Actor, blank=True, related_name="+")
    system = models.ForeignKey(
        System, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_names = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "Names the database does not know, offered as new records: "
            '{"system": "…", "actors": ["…"]}.'
        ),
    )
    stage = models.CharField(max_length=32, choices=Stage.choices)
    transfer_type = models.CharField(
        max_length=20, choices=TransferType.choices, default=TransferType.SALE
    )
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.SUPPORTS)
    hedges = models.JSONField(default=list, blank=True, help_text="The hedging words found.")
    attributed_to = models.CharField(max_length=300, blank=True, validators=[validate_single_line])
    attributed_to_actor = models.ForeignKey(
        Actor, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = models.DateField(null=True, blank=True, help_text="When the claimed thing happened.")
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    date_is_inferred = models.BooleanField(default=False)
    date_text = models.CharField(max_length=200, blank=True, help_text="The words that date it.")

    state = models.CharField(
        max_length=10,
        choices=CandidateState.choices,
        default=CandidateState.PENDING,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True, validators=[validate_text])
    #: What accepting it wrote.
    transfer = models.ForeignKey(
        Transfer, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    citation = models.ForeignKey(
        Citation, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidates"
    )
    # `updated` (from TimeStampedModel): corrections and reviews change it,
    # and API clients sync on it.

    objects = CandidateQuerySet.as_manager()

    class Meta:
        ordering = ["reading_id", "start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reading", "key"], name="%(app_label)s_%(class)s_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="%(app_label)s_%(class)s_span"
            ),
            models.CheckConstraint(
                condition=Q(state__in=CandidateState.values),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="%(app_label)s_%(class)s_stage_valid"
            ),
            *partial_date_constraints("assistant_candidate", "date", "date_precision"),
        ]

    def __str__(self):
        parts = [
            self.supplier.name if self.supplier_id else "?",
            self.recipient.name if self.recipient_id else "?",
            self.system.designation if self.system_id else "?",
        ]
        return f"{' → '.join(parts[:2])}: {parts[2]}, {self.get_stage_display().lower()}"

    def clean(self):
        errors = clean_partial_date(self, "date", "date_precision")
        text = self.reading.document.text if self.reading_id else None
        if text is not None and text[self.start : self.end] != self.quote:
            errors["quote"] = "The passage is not what stands at its offsets in the text."
        if errors:
            raise ValidationError(errors)
