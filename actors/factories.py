import factory

from .choices import ActorKind
from .models import Actor


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
