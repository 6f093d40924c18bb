from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from common.fields import AliasesField
from common.history import History
from common.models import TimeStampedModel
from common.slugs import SlugNotOnlyDigits, slug_not_only_digits_constraint
from common.validators import validate_single_line, validate_text

from .choices import ActorKind, AffiliationKind


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
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="affiliates",
        help_text="The state an organ belongs to, or the sponsor of a proxy.",
    )
    parent_relation = models.CharField(
        max_length=20,
        choices=AffiliationKind.choices,
        blank=True,
        help_text="How this actor relates to its parent.",
    )
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
                condition=~Q(parent=models.F("id")),
                name="%(app_label)s_%(class)s_not_own_parent",
            ),
            # A parent needs a relation. The converse (no relation without a
            # parent) is left to clean(): loaddata inserts an actor before a
            # parent that comes later in the file, and sets the parent after.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent_relation=""),
                name="%(app_label)s_%(class)s_parent_has_relation",
            ),
            models.CheckConstraint(
                condition=Q(parent_relation="") | Q(parent_relation__in=AffiliationKind.values),
                name="%(app_label)s_%(class)s_parent_relation_valid",
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
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = "An actor cannot be its own parent."
        elif self.parent_id and self.pk and self._parent_chain_contains_self():
            errors["parent"] = "This parent would make a loop of affiliations."
        if self.parent_id and not self.parent_relation:
            errors["parent_relation"] = "Say how this actor relates to its parent."
        if self.parent_relation and not self.parent_id:
            errors["parent_relation"] = "A relation needs a parent; clear it or choose a parent."
        if errors:
            raise ValidationError(errors)

    def _parent_chain_contains_self(self):
        seen = set()
        ancestor = self.parent
        while ancestor is not None and ancestor.pk not in seen:
            if ancestor.pk == self.pk:
                return True
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        return False
