import factory

from .choices import ActorKind, RelationKind
from .models import Actor, ActorRelation


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"State {n}")
    slug = factory.Sequence(lambda n: f"state-{n}")
    kind = ActorKind.STATE
    country = factory.Iterator(["RU", "IR", "SY", "IQ", "BY", "CN", "KP", "VE"])


class ArmedGroupFactory(ActorFactory):
    name = factory.Sequence(lambda n: f"Armed group {n}")
    slug = factory.Sequence(lambda n: f"armed-group-{n}")
    kind = ActorKind.ARMED_GROUP
    country = "LB"


class ActorRelationFactory(factory.django.DjangoModelFactory):
    """An undated relation: by default an armed group sponsored by a state."""

    class Meta:
        model = ActorRelation

    actor = factory.SubFactory(ArmedGroupFactory)
    kind = RelationKind.SPONSORED_BY
    related = factory.SubFactory(ActorFactory)
