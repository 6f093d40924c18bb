"""Synthetic, plausible data at any size: for demos, tests and benchmarks.

Reference data (actors, systems, sources) is built with the factories and
Faker; transfers, their status histories, citations (with their relays)
and values, and packages of several transfers with one value for the
whole, are generated as
plain rows and written in batches (COPY on PostgreSQL, executemany
elsewhere) with explicit ids, together with their history rows, so that a
million transfers load in minutes and the history still has every record.
"""

import datetime
import random
from collections.abc import Callable, Iterable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django_countries import countries
from faker import Faker

from actors.choices import ActorKind
from actors.models import Actor
from sources.choices import Reliability, SourceKind
from sources.models import Source

from . import citation_search_index, search_index
from .choices import (
    AGREED_OR_LATER,
    AnchorState,
    Condition,
    IntermediaryRole,
    Stage,
    Stance,
    SystemCategory,
    TransferType,
    ValueKind,
)
from .evidence import Evidence, credibility, first_reported, independent_roots
from .models import (
    Citation,
    CitationRelay,
    Delivery,
    Package,
    StatusEvent,
    System,
    Transfer,
    TransferIntermediary,
    Value,
)

# Written in this order, so that every row's references are already there.
GENERATED_MODELS = (
    Package,
    Transfer,
    TransferIntermediary,
    Delivery,
    StatusEvent,
    Citation,
    CitationRelay,
    Value,
)
# Columns computed from the others once every row is in.
DERIVED = {"search_document"}

# Stage paths a deal plausibly takes; the last step is its current stage.
STAGE_PATHS = [
    (Stage.UNDER_DISCUSSION,),
    (Stage.UNDER_DISCUSSION, Stage.AGREED),
    (Stage.REQUESTED, Stage.UNDER_DISCUSSION, Stage.AGREED),
    (Stage.UNDER_DISCUSSION, Stage.AGREED, Stage.DELIVERING, Stage.DELIVERED),
    (Stage.AGREED, Stage.DELIVERED),
    (Stage.REQUESTED,),
    (Stage.OFFERED,),
    (Stage.REQUESTED, Stage.OFFERED),
    (Stage.UNDER_DISCUSSION, Stage.CANCELLED),
    (Stage.UNDER_DISCUSSION, Stage.CANCELLED, Stage.AGREED),
    (Stage.AGREED, Stage.SUSPENDED),
    (Stage.REQUESTED, Stage.DENIED),
    (Stage.DELIVERING, Stage.INTERDICTED),
    (Stage.OBSERVED_IN_POSSESSION,),
]
# The evidence's mix: a second and third citation for some claims, hedges,
# contradictions, claims attributed to someone, relays of earlier reports,
# and syndicated copies among the sources (their roots are their originals).
EXTRA_CITATION_SHARES = (0.35, 0.1)
HEDGED_SHARE = 0.2
CONTRADICTING_SHARE = 0.15  # of the second and third citations
ATTRIBUTED_SHARE = 0.4
RELAYED_SHARE = 0.25
COPY_SHARE = 0.1
ATTRIBUTIONS = [
    "officials",
    "an unnamed official",
    "the defence ministry",
    "intelligence services",
    "a state news agency",
    "diplomats",
]
PRECISIONS = ["year", "year", "month", "day"]
# Share of known quantities given as a range ("24 to 36").
RANGE_SHARE = 0.1
# Share of transfers (outside packages) with a contract value, and of those
# with a payment too, which sources mostly hedge ("reportedly paid").
CONTRACT_VALUE_SHARE = 0.35
PAYMENT_SHARE = 0.25
# Share of transfers that open a package of 3 to 6 deals between the same
# parties, agreed together, whose value is known only for the whole.
PACKAGE_SHARE = 0.02
CURRENCIES = ["USD", "USD", "USD", "EUR", "RUB", "CNY"]
# Share of transfers routed through an intermediary, as with the seed's Syria → Hezbollah.
INTERMEDIARY_SHARE = 0.05
#: Their roles, in turn (unknown among them).
INTERMEDIARY_ROLES = ("", *IntermediaryRole.values)
PUBLISHERS = [
    "Defence Monitor",
    "Regional Security Review",
    "Open Arms Watch",
    "The Ledger",
    "Strategic Notes",
    "Wire Service",
]


def _rows_writer(model, columns):
    """Write tuples into a model's table, fast on PostgreSQL."""
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(column) for column in columns)

    def write(rows):
        if not rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows
                )

    return write


class _Table:
    """Rows for one model and its history table, with ids assigned here."""

    def __init__(self, model, now):
        self.model = model
        # Derived columns (the search document) are filled in afterwards.
        self.columns = [
            field.column for field in model._meta.concrete_fields if field.name not in DERIVED
        ]
        self.write_rows = _rows_writer(model, self.columns)
        # The history leaves out excluded fields; it keeps the others in order.
        history = model.history.model
        recorded = {field.column for field in history._meta.concrete_fields}
        self.history_positions = [
            position for position, column in enumerate(self.columns) if column in recorded
        ]
        self.write_history = _rows_writer(
            history,
            [
                *(self.columns[position] for position in self.history_positions),
                "history_date",
                "history_change_reason",
                "history_type",
            ],
        )
        self.history_suffix = (now, "Generated demo data", "+")
        self.next_id = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.rows = []

    def add(self, values: dict) -> int:
        """Queue `values` as a row (read at `flush`, so derived columns may be
        added to the dict until then)."""
        row_id = self.next_id
        self.next_id += 1
        values["id"] = row_id
        self.rows.append(values)
        return row_id

    def flush(self):
        rows = [tuple(values[column] for column in self.columns) for values in self.rows]
        self.write_rows(rows)
        self.write_history(
            [
                tuple(row[position] for position in self.history_positions) + self.history_suffix
                for row in rows
            ]
        )
        self.rows = []


def _partial_date(rng, year):
    precision = rng.choice(PRECISIONS)
    month = rng.randint(1, 12) if precision != "year" else 1
    day = rng.randint(1, 28) if precision == "day" else 1
    return datetime.date(year, month, day), precision


def build_reference_data(*, transfers: int, seed: int, prefix: str):
    """Actors, systems and sources sized to the number of transfers."""
    from actors.factories import ActorFactory
    from sources.factories import SourceFactory

    from .factories import SystemFactory

    rng = random.Random(seed)
    fake = Faker()
    fake.seed_instance(seed)
    codes = [code for code, _ in countries]
    states = [
        ActorFactory.build(
            name=f"{name} ({prefix})",
            slug=f"{prefix}-{code.lower()}",
            country=code,
            kind=ActorKind.STATE,
        )
        for code, name in countries
    ]
    kinds = [ActorKind.STATE_ORGAN, ActorKind.ARMED_GROUP, ActorKind.PMC, ActorKind.COMPANY]
    others = [
        ActorFactory.build(
            name=f"{fake.company()} {kind.label} {n}",
            slug=f"{prefix}-actor-{n}",
            kind=kind,
            country=rng.choice(codes),
        )
        for n, kind in enumerate(rng.choice(kinds) for _ in range(max(20, transfers // 500)))
    ]
    actors = _bulk_with_history(Actor, states + others)
    state_ids = [actor.pk for actor in actors if actor.kind == ActorKind.STATE]
    systems = _bulk_with_history(
        System,
        [
            SystemFactory.build(
                designation=f"{fake.lexify('??').upper()}-{n}",
                slug=f"{prefix}-system-{n}",
                category=rng.choice(SystemCategory.values),
                origin_id=rng.choice(state_ids),
                aliases=[f"{fake.word().title()}-{n}"],
            )
            for n in range(max(30, transfers // 300))
        ],
    )
    sources = []
    for n in range(max(20, transfers // 50)):
        published, precision = _partial_date(rng, rng.randint(1990, 2025))
        sources.append(
            SourceFactory.build(
                slug=f"{prefix}-source-{n}",
                title=fake.sentence(nb_words=8).rstrip("."),
                publisher=rng.choice(PUBLISHERS),
                authors=[fake.name()],
                publication_date=published,
                publication_date_precision=precision,
                kind=rng.choice(SourceKind.values),
                reliability=rng.choice(Reliability.values),
            )
        )
    sources = _bulk_with_history(Source, sources)
    # A share of the documents are syndicated copies of another (an original).
    originals = sources[: max(1, int(len(sources) * (1 - COPY_SHARE)))]
    copies = sources[len(originals) :]
    for copy in copies:
        copy.copy_of_id = rng.choice(originals).pk
    Source.objects.bulk_update(copies, ["copy_of"])
    return actors, systems, sources


def _bulk_with_history(model, objects):
    from simple_history.utils import bulk_create_with_history

    return bulk_create_with_history(
        objects, model, batch_size=1000, default_change_reason="Generated demo data"
    )


def generate(
    *,
    transfers: int,
    seed: int = 1,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
    index_progress: Callable[[int], None] | None = None,
) -> dict:
    """Create `transfers` cited transfers with status histories; returns counts.

    Their search documents are built last (on PostgreSQL), once their parties
    and citations are in; `index_progress` is told of each batch of transfers
    indexed (the citations' documents follow)."""
    prefix = f"gen{seed}"
    if Actor.objects.filter(slug__startswith=f"{prefix}-").exists():
        raise ValueError(
            f"Demo data with seed {seed} is already in this database; use another --seed."
        )
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        actors, systems, sources = build_reference_data(
            transfers=transfers, seed=seed, prefix=prefix
        )
        actor_ids = [actor.pk for actor in actors]
        # A few big suppliers and recipients, as in real arms flows.
        weights = [1 / (rank + 1) for rank in range(len(actor_ids))]
        system_ids = [system.pk for system in systems]
        source_ids = [source.pk for source in sources]
        # How the rule sees each document: its original's id and grade, and its date.
        grades = {source.pk: source.reliability for source in sources}
        documents = {
            source.pk: (
                source.copy_of_id or source.pk,
                grades[source.copy_of_id or source.pk],
                source.publication_date,
                source.publication_date_precision,
            )
            for source in sources
        }
        tables = {model: _Table(model, now) for model in GENERATED_MODELS}
        first_id = tables[Transfer].next_id
        first_citation_id = tables[Citation].next_id
        counts = dict.fromkeys(
            (
                "transfers",
                "status_events",
                "citations",
                "relays",
                "intermediaries",
                "deliveries",
                "packages",
                "values",
            ),
            0,
        )
        # The package being filled, if any (see _add_transfer).
        package: dict = {"remaining": 0}
        for start in range(0, transfers, batch_size):
            size = min(batch_size, transfers - start)
            for offset in range(size):
                _add_transfer(
                    rng,
                    tables,
                    start + offset,
                    prefix,
                    now,
                    actor_ids,
                    weights,
                    system_ids,
                    source_ids,
                    documents,
                    counts,
                    package,
                )
            for table in tables.values():
                table.flush()
            if progress:
                progress(size)
        _reset_sequences(GENERATED_MODELS)
        search_index.rebuild(Transfer.objects.filter(pk__gte=first_id), progress=index_progress)
        citation_search_index.rebuild(Citation.objects.filter(pk__gte=first_citation_id))
    counts.update(actors=len(actors), systems=len(systems), sources=len(sources))
    return counts


def _add_transfer(
    rng,
    tables,
    index,
    prefix,
    now,
    actor_ids,
    weights,
    system_ids,
    source_ids,
    documents,
    counts,
    package,
):
    """One transfer with its parts. `package` holds the package being filled:
    while it has `remaining` places, the transfer joins it, between its
    parties and in its year; else a new one may open with this transfer."""
    supplier, recipient = rng.choices(actor_ids, weights, k=2)
    while recipient == supplier:
        recipient = rng.choice(actor_ids)
    year = rng.randint(1950, 2015)
    package_id = None
    opens_package = False
    if package["remaining"] > 0:
        package["remaining"] -= 1
        package_id, supplier, recipient, year = (
            package["id"],
            package["supplier"],
            package["recipient"],
            package["year"],
        )
    elif rng.random() < PACKAGE_SHARE:
        opens_package = True
        package_id = tables[Package].add(
            {
                "created": now,
                "updated": now,
                "slug": f"{prefix}-package-{index}",
                "name": f"Package of {year} (#{index})",
                "notes": "",
            }
        )
        package.update(
            id=package_id,
            remaining=rng.randint(2, 5),
            supplier=supplier,
            recipient=recipient,
            year=year,
        )
        counts["packages"] += 1
    start, start_precision = _partial_date(rng, year)
    path = rng.choice(STAGE_PATHS)
    quantity = rng.choice([None, rng.randint(1, 500)])
    quantity_max = None
    if quantity is not None and rng.random() < RANGE_SHARE:
        quantity_max = quantity + rng.randint(1, max(1, quantity // 2))
    transfer = {
        "created": now,
        "updated": now,
        "slug": f"{prefix}-transfer-{index}",
        "transfer_type": rng.choice(TransferType.values),
        "stage": path[-1],
        "reached_agreement": any(stage in AGREED_OR_LATER for stage in path),
        "quantity": quantity,
        "quantity_max": quantity_max,
        "quantity_is_estimate": quantity is not None and rng.random() < 0.3,
        "package_id": package_id,
        "condition": rng.choice(["", *Condition.values]),
        "start_date": start,
        "start_date_precision": start_precision,
        "end_date": None,
        "end_date_precision": "",
        "notes": "",
        "supplier_id": supplier,
        "recipient_id": recipient,
        "system_id": rng.choice(system_ids),
    }
    transfer_id = tables[Transfer].add(transfer)
    counts["transfers"] += 1
    if rng.random() < INTERMEDIARY_SHARE:
        via = rng.choice(actor_ids)
        if via not in (supplier, recipient):
            tables[TransferIntermediary].add(
                {
                    "transfer_id": transfer_id,
                    "actor_id": via,
                    "position": 1,
                    # Not drawn from rng: the rest of the generated data stays as it was.
                    "role": INTERMEDIARY_ROLES[transfer_id % len(INTERMEDIARY_ROLES)],
                }
            )
            counts["intermediaries"] += 1
    if quantity is not None and path[-1] in (Stage.AGREED, Stage.DELIVERING, Stage.DELIVERED):
        # Confirmed deals with a known number arrive over one to three years.
        years = rng.randint(1, 3)
        for offset in range(years):
            tables[Delivery].add(
                {
                    "transfer_id": transfer_id,
                    "year": year + 1 + offset,
                    "year_is_estimate": False,
                    "quantity": quantity // years,
                    "quantity_max": None,
                    "quantity_is_estimate": False,
                }
            )
            counts["deliveries"] += 1
    event_year = year
    first_citation_id = None
    for stage in path:
        # Each later event falls in a later year, so the order holds at any precision.
        date, precision = _partial_date(rng, event_year)
        event_year += rng.randint(1, 3)
        event = {
            "created": now,
            "updated": now,
            "stage": stage,
            "date": date,
            "date_precision": precision,
            "date_is_inferred": False,
            "credibility_override": None,
            "credibility_override_reason": "",
            "note": "",
            "transfer_id": transfer_id,
        }
        event_id = tables[StatusEvent].add(event)
        found, reports, citation_id = _add_citations(
            rng,
            tables,
            index,
            now,
            transfer_id,
            event_id,
            stage,
            date,
            source_ids,
            documents,
            counts,
        )
        first, first_precision = first_reported(reports)
        event.update(
            computed_credibility=credibility(found),
            independent_sources=independent_roots(found),
            first_reported=first,
            first_reported_precision=first_precision,
        )
        counts["status_events"] += 1
        first_citation_id = first_citation_id or citation_id
    _add_values(rng, tables, now, counts, transfer_id, package_id, opens_package, first_citation_id)
    # The transfer shows its current stage's (the last event's) credibility.
    transfer.update(
        credibility=event["computed_credibility"], independent_sources=event["independent_sources"]
    )


def _add_citations(
    rng, tables, index, now, transfer_id, event_id, stage, date, source_ids, documents, counts
):
    """One to three citations for a claim, with their relays; returns the
    claim's evidence as the rule sees it, its dated reports and its first
    citation's id."""
    found, reports, first_id = [], [], None
    number = 1 + sum(rng.random() < share for share in EXTRA_CITATION_SHARES)
    for position in range(number):
        stance = Stance.SUPPORTS
        if rng.random() < HEDGED_SHARE:
            stance = Stance.SUPPORTS_HEDGED
        if position and rng.random() < CONTRADICTING_SHARE:
            stance = Stance.CONTRADICTS
        source_id = rng.choice(source_ids)
        citation_id = tables[Citation].add(
            {
                "created": now,
                "updated": now,
                "quote": f"Reports in {date.year} said the deal (#{index}) was {stage}.",
                "location": f"paragraph {rng.randint(1, 30)}",
                # Generated sources have no stored text to anchor in.
                "document_id": None,
                "start": None,
                "end": None,
                "prefix": "",
                "suffix": "",
                "anchor_state": AnchorState.UNANCHORED,
                "stance": stance,
                "attributed_to": (
                    rng.choice(ATTRIBUTIONS) if rng.random() < ATTRIBUTED_SHARE else ""
                ),
                "attributed_to_actor_id": None,
                "note": "",
                "source_id": source_id,
                "transfer_id": transfer_id,
                "status_event_id": event_id,
            }
        )
        counts["citations"] += 1
        first_id = first_id or citation_id
        root, grade, published, precision = documents[source_id]
        reports.append((published, precision))
        if rng.random() < RELAYED_SHARE:
            relayed = [other for other in rng.sample(source_ids, 2) if other != source_id]
            for relay_position, relayed_id in enumerate(relayed[: rng.randint(1, 2)], start=1):
                tables[CitationRelay].add(
                    {
                        "citation_id": citation_id,
                        "position": relay_position,
                        "source_id": relayed_id,
                        "note": "",
                    }
                )
                counts["relays"] += 1
                reports.append(documents[relayed_id][2:])
                if relay_position == 1:
                    root, grade = documents[relayed_id][:2]
        found.append(Evidence(root, grade, stance))
    return found, reports, first_id


def _add_values(rng, tables, now, counts, transfer_id, package_id, opens_package, citation_id):
    """A transfer's contract value and maybe a payment, or, for a package
    opened by this transfer, the package's value (its transfers have none of
    their own); each cites the transfer's first citation."""

    def add(**values):
        tables[Value].add(
            {
                "created": now,
                "updated": now,
                "transfer_id": None,
                "package_id": None,
                "is_estimate": False,
                "is_hedged": False,
                "citation_id": citation_id,
                "note": "",
                **values,
            }
        )
        counts["values"] += 1

    currency = rng.choice(CURRENCIES)
    if opens_package:
        add(
            package_id=package_id,
            kind=ValueKind.PACKAGE,
            amount=Decimal(rng.randint(5, 60)) * 100_000_000,
            currency=currency,
            is_estimate=rng.random() < 0.5,
            is_hedged=rng.random() < 0.5,
        )
    if package_id is not None or rng.random() >= CONTRACT_VALUE_SHARE:
        return
    amount = Decimal(rng.randint(1, 2000)) * 1_000_000
    add(
        transfer_id=transfer_id,
        kind=ValueKind.CONTRACT,
        amount=amount,
        currency=currency,
        is_estimate=rng.random() < 0.2,
    )
    if rng.random() < PAYMENT_SHARE:
        add(
            transfer_id=transfer_id,
            kind=ValueKind.PAYMENT,
            amount=(amount * Decimal(rng.randint(10, 60)) / 100).quantize(Decimal("0.01")),
            currency=currency,
            is_hedged=rng.random() < 0.7,
        )


def _reset_sequences(models: Iterable):
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
