import datetime
import decimal

import factory

from actors.factories import ActorFactory
from common.dates import DatePrecision
from sources.factories import SourceFactory

from .choices import ContradictionKind, Stage, Stance, SystemCategory, TransferType, ValueKind
from .models import (
    Citation,
    Contradiction,
    Delivery,
    Package,
    StatusEvent,
    System,
    Transfer,
    Value,
)


class SystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = System
        django_get_or_create = ["slug"]

    designation = factory.Sequence(lambda n: f"System-{n}")
    slug = factory.Sequence(lambda n: f"system-{n}")
    category = factory.Iterator(SystemCategory.values)
    origin = factory.SubFactory(ActorFactory)


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    supplier = factory.SubFactory(ActorFactory)
    recipient = factory.SubFactory(ActorFactory)
    system = factory.SubFactory(SystemFactory)
    transfer_type = TransferType.SALE
    stage = Stage.UNDER_DISCUSSION
    start_date = datetime.date(2016, 1, 1)
    start_date_precision = DatePrecision.YEAR


class StatusEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusEvent

    transfer = factory.SubFactory(TransferFactory)
    stage = Stage.UNDER_DISCUSSION
    date = factory.Sequence(lambda n: datetime.date(2000 + n % 25, 1, 1))
    date_precision = DatePrecision.YEAR


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    transfer = factory.SubFactory(TransferFactory)
    year = factory.Sequence(lambda n: 1990 + n % 30)
    quantity = 4


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    transfer = factory.SubFactory(TransferFactory)
    quote = factory.Sequence(lambda n: f"Officials said shipment {n} had arrived.")
    location = "paragraph 1"
    stance = Stance.SUPPORTS


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    name = factory.Sequence(lambda n: f"Package {n}")
    slug = factory.Sequence(lambda n: f"package-{n}")


class ValueFactory(factory.django.DjangoModelFactory):
    """A transfer's contract value; `package=…, transfer=None, kind="package"` for a package's."""

    class Meta:
        model = Value

    transfer = factory.SubFactory(TransferFactory)
    kind = ValueKind.CONTRACT
    amount = decimal.Decimal("800000000.00")
    currency = "USD"


class ContradictionFactory(factory.django.DjangoModelFactory):
    """An open contradiction entered by an editor (kind "other"); links are
    added with `citations=[...]` / `status_events=[...]`."""

    class Meta:
        model = Contradiction
        skip_postgeneration_save = True

    transfer = factory.SubFactory(TransferFactory)
    kind = ContradictionKind.OTHER
    description = factory.Sequence(lambda n: f"Two reports disagree on the quantity ({n}).")

    @factory.post_generation
    def citations(self, create, extracted, **kwargs):
        if create and extracted:
            self.citations.set(extracted)

    @factory.post_generation
    def status_events(self, create, extracted, **kwargs):
        if create and extracted:
            self.status_events.set(extracted)
