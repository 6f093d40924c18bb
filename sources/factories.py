import datetime

import factory

from common.dates import DatePrecision

from .choices import Reliability, SourceKind, Stance
from .models import Citation, Source


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Report number {n} on arms flows")
    publisher = "Example Defence Review"
    authors = factory.LazyFunction(lambda: ["A. Analyst"])
    publication_date = datetime.date(2024, 5, 1)
    publication_date_precision = DatePrecision.MONTH
    kind = SourceKind.NEWS
    reliability = Reliability.B


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Citation

    source = factory.SubFactory(SourceFactory)
    transfer = factory.SubFactory("transfers.factories.TransferFactory")
    quote = factory.Sequence(lambda n: f"Officials said shipment {n} had arrived.")
    location = "paragraph 1"
    stance = Stance.SUPPORTS
