import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from common.dates import (
    DatePrecision,
    clean_partial_date,
    format_partial_date,
    partial_date_constraints,
)
from common.fields import AliasesField
from common.history import History
from common.models import TimeStampedModel
from common.slugs import SlugNotOnlyDigits, slug_not_only_digits_constraint
from common.validators import validate_single_line, validate_text

from .choices import Reliability, SourceKind, TextFormat, TextOrigin


class SourceQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Source(TimeStampedModel):
    """A document that evidence is taken from: an article, an analysis, a
    statement or a dataset. A syndicated copy or excerpt points at the
    original through `copy_of`, so one work is never counted as two
    independent sources."""

    slug = models.SlugField(max_length=100, unique=True, validators=[SlugNotOnlyDigits("source")])
    title = models.CharField(
        max_length=500,
        blank=True,
        help_text="Leave empty if unknown.",
        validators=[validate_single_line],
    )
    publisher = models.CharField(
        "publisher or outlet",
        max_length=200,
        blank=True,
        db_index=True,
        help_text="Leave empty if unknown.",
        validators=[validate_single_line],
    )
    authors = AliasesField(help_text="One author per line; leave empty if unknown.")
    publication_date = models.DateField(null=True, blank=True, db_index=True)
    publication_date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True
    )
    publication_date_is_inferred = models.BooleanField(
        default=False,
        db_default=False,
        help_text="The date is inferred (e.g. from 'yesterday' and a caption), not printed.",
    )
    url = models.URLField("URL", max_length=1000, blank=True, validators=[validate_single_line])
    kind = models.CharField(max_length=20, choices=SourceKind.choices, db_index=True)
    language = models.CharField(
        max_length=8,
        default="en",
        help_text="ISO 639-1 code of the document's language.",
        validators=[validate_single_line],
    )
    reliability = models.CharField(
        max_length=1,
        choices=Reliability.choices,
        default=Reliability.F,
        db_index=True,
        help_text="Admiralty scale: A completely reliable … E unreliable, F cannot be judged.",
    )
    copy_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="copies",
        help_text="The original work, if this document is a syndicated copy or an excerpt of it.",
    )
    document_key = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "Name of the archived text of this document (file name without .txt); "
            "verify_citations matches quotes against it."
        ),
        validators=[validate_single_line],
    )
    notes = models.TextField(blank=True, validators=[validate_text])

    objects = SourceQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["-publication_date", "title", "id"]
        constraints = [
            slug_not_only_digits_constraint(),
            *partial_date_constraints(
                "sources_source", "publication_date", "publication_date_precision"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SourceKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(reliability__in=Reliability.values),
                name="%(app_label)s_%(class)s_reliability_valid",
            ),
            models.CheckConstraint(
                condition=~Q(copy_of=models.F("id")),
                name="%(app_label)s_%(class)s_not_copy_of_itself",
            ),
            models.CheckConstraint(
                condition=Q(publication_date_is_inferred=False) | Q(publication_date__isnull=False),
                name="%(app_label)s_%(class)s_inferred_date_needs_date",
            ),
            models.UniqueConstraint(
                fields=["document_key"],
                condition=~Q(document_key=""),
                name="%(app_label)s_%(class)s_unique_document_key",
            ),
        ]

    def __str__(self):
        return self.describe(
            self.title,
            self.slug,
            self.document_key,
            self.publisher,
            self.publication_date,
            self.publication_date_precision,
        )

    @staticmethod
    def describe(title, slug, document_key, publisher, published, precision) -> str:
        """A source as a person would name it, from its columns (the API's
        rows build it without model instances)."""
        label = title or f"Untitled ({document_key or slug})"
        when = format_partial_date(published, precision) or "undated"
        return f"{label} — {publisher or 'unknown outlet'}, {when}"

    def natural_key(self):
        return (self.slug,)

    @property
    def publication_date_display(self):
        return format_partial_date(self.publication_date, self.publication_date_precision)

    @property
    def original(self):
        """The work this document reproduces, or itself if it is the original."""
        return self.copy_of or self

    def clean(self):
        errors = clean_partial_date(self, "publication_date", "publication_date_precision")
        if self.publication_date_is_inferred and self.publication_date is None:
            errors["publication_date_is_inferred"] = (
                "Only a date that is given can be marked as inferred."
            )
        if self.copy_of_id:
            if self.copy_of_id == self.pk:
                errors["copy_of"] = "A source cannot be a copy of itself."
            elif self.copy_of.copy_of_id:
                errors["copy_of"] = "Point at the original work, not at another copy of it."
            elif self.pk and self.copies.exists():
                errors["copy_of"] = "Other documents are copies of this one; it is an original."
        if errors:
            raise ValidationError(errors)

    @property
    def current_text(self):
        """The latest version of the document's text, or None if none is stored."""
        return self.texts.order_by("-version").first()


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class SourceTextQuerySet(models.QuerySet):
    def current(self):
        """Each source's latest version only."""
        newer = SourceText.objects.filter(
            source=models.OuterRef("source"), version__gt=models.OuterRef("version")
        )
        return self.exclude(models.Exists(newer))


class SourceText(models.Model):
    """One version of a source's text, as it was received: the words quotes
    are anchored in. A version never changes once stored: a correction is a
    new version, the old one is kept, and the citations move to the new one
    where their quote is found again (transfers.anchors)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="texts")
    version = models.PositiveIntegerField(default=1)
    text = models.TextField(
        help_text="The document's text; for an HTML page, its main text as extracted.",
        validators=[validate_text],
    )
    sha256 = models.CharField("SHA-256", max_length=64, editable=False, db_index=True)
    format = models.CharField(max_length=10, choices=TextFormat.choices, default=TextFormat.TEXT)
    received = models.TextField(
        blank=True,
        help_text="The document as received when it is not the text itself (the HTML page).",
    )
    origin = models.CharField(max_length=10, choices=TextOrigin.choices, default=TextOrigin.PASTED)
    retrieved_from = models.CharField(
        max_length=1000,
        blank=True,
        help_text="The URL it was fetched from, or the name of the file uploaded.",
        validators=[validate_single_line],
    )
    retrieved_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was fetched, uploaded or pasted."
    )
    note = models.TextField(
        blank=True, help_text="What this version corrects.", validators=[validate_text]
    )
    created = models.DateTimeField(auto_now_add=True, editable=False)

    objects = SourceTextQuerySet.as_manager()
    # Who stored each version (a version is never changed, so its history is
    # its creation and, if uncited, its deletion).
    history = History()

    class Meta:
        ordering = ["source_id", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "version"], name="%(app_label)s_%(class)s_unique_version"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="%(app_label)s_%(class)s_version_from_1"
            ),
            models.CheckConstraint(
                condition=~Q(text=""), name="%(app_label)s_%(class)s_text_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(format__in=TextFormat.values),
                name="%(app_label)s_%(class)s_format_valid",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=TextOrigin.values),
                name="%(app_label)s_%(class)s_origin_valid",
            ),
        ]

    def __str__(self):
        return f"{self.source.slug}, text version {self.version}"

    def save(self, *args, **kwargs):
        # A stored version is evidence: its words never change under the
        # citations anchored in them (corrections are new versions).
        if self.pk and not self._state.adding:
            stored = SourceText.objects.filter(pk=self.pk).values_list("sha256", flat=True).first()
            if stored is not None and stored != text_sha256(self.text):
                raise ValidationError(
                    {"text": "A stored text is never changed; store a correction as a new version."}
                )
        self.sha256 = text_sha256(self.text)
        super().save(*args, **kwargs)

    def clean(self):
        if not self.text.strip():
            raise ValidationError({"text": "The text is empty."})
