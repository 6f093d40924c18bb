import datetime

import factory

from common.dates import DatePrecision

from .choices import Reliability, SourceKind
from .models import Source, SourceText


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


class SourceTextFactory(factory.django.DjangoModelFactory):
    """A stored text; pass `text=` with the quotes a test cites."""

    class Meta:
        model = SourceText

    source = factory.SubFactory(SourceFactory)
    version = 1
    text = factory.Sequence(lambda n: f"Report {n}.\n\nOfficials said the shipment had arrived.\n")
