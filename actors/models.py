from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

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
from common.slugs import SlugNotOnlyDigits, slug_not_only_digits_constraint
from common.validators import validate_single_line, validate_text

from .choices import ActorKind, RelationKind


class ActorQuerySet(models.QuerySet):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Actor(TimeStampedModel):
    """Anyone who supplies, receives or passes on arms: a state, a state organ
    or armed force, a non-state armed group, a private military company, a
    company, or an international organisation."""

    name = models.CharField(max_length=200, db_index=True, validators=[validate_single_line])
    slug = models.SlugField(max_length=100, unique=True, validators=[SlugNotOnlyDigits("actor")])
    kind = models.CharField(max_length=20, choices=ActorKind.choices, db_index=True)
    country = CountryField(
        blank=True,
        db_index=True,
        help_text="ISO 3166-1 alpha-2 code: the state itself, or where an organ or group is based.",
    )
    aliases = AliasesField()
    wikidata_id = models.CharField(
        "Wikidata id",
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9]\d*$", "A Wikidata id looks like Q159.")],
    )
    description = models.TextField(blank=True, validators=[validate_text])

    objects = ActorQuerySet.as_manager()
    history = History()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            slug_not_only_digits_constraint(),
            models.CheckConstraint(
                condition=Q(kind__in=ActorKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ActorKind.STATE) | ~Q(country=""),
                name="%(app_label)s_%(class)s_state_has_country",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="%(app_label)s_%(class)s_name_not_empty"
            ),
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="%(app_label)s_%(class)s_unique_wikidata_id",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def clean(self):
        errors = {}
        if self.kind == ActorKind.STATE and not self.country:
            errors["country"] = "A state needs its ISO 3166-1 country code."
        if errors:
            raise ValidationError(errors)


class ActorRelation(TimeStampedModel):
    """How one actor stands to another, read "actor kind related": the IRGC
    part of Iran; the Hashd al-Sha'bi part of Iraq and sponsored by Iran.
    An actor has any number of relations, each dated where known.

    Deleting an actor with relations is refused (PROTECT both ways); merging
    actors repoints them (editorial.services.actor_merge)."""

    actor = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="relations")
    kind = models.CharField(max_length=20, choices=RelationKind.choices, db_index=True)
    related = models.ForeignKey(
        Actor,
        on_delete=models.PROTECT,
        related_name="related_relations",
        help_text="The other actor: the state an organ is part of, the sponsor of a proxy, …",
    )
    start_date = models.DateField(null=True, blank=True)
    start_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    end_date = models.DateField(null=True, blank=True)
    end_date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    note = models.TextField(blank=True, validators=[validate_text])

    history = History()

    class Meta:
        ordering = ["actor_id", "kind", "related_id", "start_date", "id"]
        verbose_name = "actor relation"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RelationKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(actor=models.F("related")),
                name="%(app_label)s_%(class)s_not_to_itself",
            ),
            # One relation of a kind between two actors from one start: the
            # same link again is a duplicate; a link broken off and taken up
            # again is a second relation with its own start.
            models.UniqueConstraint(
                fields=["actor", "kind", "related", "start_date"],
                condition=Q(start_date__isnull=False),
                name="%(app_label)s_%(class)s_unique_dated",
                violation_error_message=(
                    "This relation is already recorded: the same actor, kind, related actor "
                    "and start date."
                ),
            ),
            models.UniqueConstraint(
                fields=["actor", "kind", "related"],
                condition=Q(start_date__isnull=True),
                name="%(app_label)s_%(class)s_unique_undated",
                violation_error_message=(
                    "This relation is already recorded: the same actor, kind, related actor "
                    "and start date."
                ),
            ),
            *partial_date_constraints("actors_actorrelation", "start_date", "start_date_precision"),
            *partial_date_constraints("actors_actorrelation", "end_date", "end_date_precision"),
            partial_date_order_constraint(
                "actors_actorrelation_end_not_before_start",
                "start_date",
                "end_date",
                "end_date_precision",
            ),
        ]

    def __str__(self):
        return f"{self.actor} {self.get_kind_display().lower()} {self.related}"

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
        if self.actor_id and self.related_id and self.actor_id == self.related_id:
            errors["related"] = "An actor cannot be related to itself."
        elif self.kind == RelationKind.PART_OF and self._makes_a_loop():
            errors["related"] = (
                f"{self.related} is already part of {self.actor} (directly or through "
                "others): this would make a loop of part-of relations."
            )
        if not errors and not partial_dates_in_order(
            self.start_date, self.start_date_precision, self.end_date, self.end_date_precision
        ):
            errors["end_date"] = (
                f"The end ({self.end_date_display}) is before "
                f"the start ({self.start_date_display})."
            )
        if errors:
            raise ValidationError(errors)

    def _makes_a_loop(self) -> bool:
        """Whether `related` is already, through part-of relations, part of `actor`."""
        if not (self.actor_id and self.related_id):
            return False
        links = ActorRelation.objects.filter(kind=RelationKind.PART_OF)
        if self.pk is not None:
            links = links.exclude(pk=self.pk)
        wholes = {}
        for part, whole in links.values_list("actor_id", "related_id"):
            wholes.setdefault(part, set()).add(whole)
        seen, frontier = set(), {self.related_id}
        while frontier:
            if self.actor_id in frontier:
                return True
            seen |= frontier
            frontier = {w for part in frontier for w in wholes.get(part, ())} - seen
        return False
