"""FollowTheMoney entities (https://followthemoney.tech), one a line, for
Aleph, OpenSanctions' tools and anything else that reads FtM: built with
the `followthemoney` library's own model, so each entity is valid for it.

What becomes what, and why:

- An actor becomes the FtM schema closest to its kind: a state organ is a
  `PublicBody`; a company or private military company a `Company`; a state,
  an armed group or an international organisation an `Organization` (FtM has
  no schema for a state as such, and `Country` is a property, not an entity);
  anything else a `LegalEntity`. No actor kind is a natural person, so none
  is a `Person`.
- A transfer is an `Event`: FtM has no schema for a trade of goods (its
  `EconomicActivity` is a customs declaration, `Contract` a procurement
  notice, `Payment` a payment: each would claim a document we do not have).
  An `Event` is what we know, something that happened between parties over
  some dates: the supplier its `organizer`, the recipient and intermediaries
  `involved`. It is a `Thing`, so a citation can document it.
- An `Event` has no direction, so each transfer also has an `UnknownLink`,
  subject the supplier and object the recipient, its `role` saying it is an
  arms transfer and of which type: the edge network tools draw. It is the
  one directed link FtM offers that claims no more than we know.
- A source is a `Document` (title, publisher, date, URL).
- A citation is a `Documentation`: the document, the transfer's `Event`,
  its `role` (`supports` / `contradicts` … and the stage it bears on), its
  quote as `summary`.

Every entity's `sourceUrl` is its record's URL in this API, where the record
has no address of its own. Ids are stable across exports: `at-actor-<id>`,
`at-transfer-<id>`, `at-transfer-<id>-link`, `at-source-<id>`,
`at-citation-<id>`.
"""

from collections.abc import Iterator
from itertools import islice

import orjson
from django.db import transaction
from django.db.models import QuerySet
from followthemoney import model

from actors.choices import ActorKind
from common.dates import format_partial_date
from sources.models import Source

from .. import aggregates
from ..api.representation import _detail_paths
from ..choices import TransferType
from ..models import Citation, TransferIntermediary
from .register import source_title
from .sql import in_id_order, of_transfers, one_of

#: Transfers per chunk (each chunk reads its intermediaries and citations in one query each).
CHUNK_SIZE = 1000

ACTOR_SCHEMA = {
    ActorKind.STATE: "Organization",
    ActorKind.STATE_ORGAN: "PublicBody",
    ActorKind.ARMED_GROUP: "Organization",
    ActorKind.PMC: "Company",
    ActorKind.COMPANY: "Company",
    ActorKind.INTERNATIONAL_ORG: "Organization",
    ActorKind.OTHER: "LegalEntity",
}


#: A transfer type as the entities' text says it: "sale", "aid or gift", ….
TYPE_WORDS = {value: str(label).lower() for value, label in TransferType.choices}


def actor_id(pk) -> str:
    return f"at-actor-{pk}"


def transfer_id(pk) -> str:
    return f"at-transfer-{pk}"


def source_id(pk) -> str:
    return f"at-source-{pk}"


def citation_id(pk) -> str:
    return f"at-citation-{pk}"


def _line(proxy) -> str:
    return orjson.dumps(proxy.to_dict()).decode() + "\n"


def _entity(schema: str, entity_id: str, **properties):
    """A proxy of `schema`; each property's values cleaned by FtM's types
    (an empty or None value is left out)."""
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for name, values in properties.items():
        if not isinstance(values, list | tuple):
            values = [values]
        proxy.add(name, [value for value in values if value not in (None, "")])
    return proxy


def write_ftm(transfers: QuerySet, origin: str, chunk_size: int | None = None) -> Iterator[str]:
    """The FtM entities of `transfers` (filtered) as JSON lines: their actors
    (parties and intermediaries), then by chunk of transfers each transfer's
    Event and UnknownLink, the documents its citations are from (each once
    per export) and the citations' Documentation."""
    chunk_size = chunk_size or CHUNK_SIZE
    paths = {name: origin + path for name, path in _detail_paths().items()}
    ordered = in_id_order(transfers)
    using = ordered.db
    with transaction.atomic(using=using, savepoint=False):
        actors = aggregates.network_nodes(ordered, intermediaries=True).values(
            "id", "name", "kind", "country", "aliases"
        )
        for actor in actors.iterator(chunk_size=2000):
            yield _line(
                _entity(
                    ACTOR_SCHEMA.get(actor["kind"], "LegalEntity"),
                    actor_id(actor["id"]),
                    name=actor["name"],
                    alias=list(actor["aliases"] or []),
                    country=str(actor["country"] or ""),
                    sourceUrl=f"{paths['actor']}{actor['id']}/",
                )
            )

        rows = ordered.values(
            "id",
            "slug",
            "supplier_id",
            "supplier__name",
            "recipient_id",
            "recipient__name",
            "system__designation",
            "transfer_type",
            "stage",
            "quantity",
            "start_date",
            "start_date_precision",
            "end_date",
            "end_date_precision",
            "notes",
        ).iterator(chunk_size=chunk_size)
        documents: set[int] = set()
        while chunk := list(islice(rows, chunk_size)):
            yield from _chunk(chunk, paths, using, documents)


def _chunk(chunk: list[dict], paths: dict, using: str, documents: set[int]) -> Iterator[str]:
    ids = [row["id"] for row in chunk]
    stops: dict[int, list[int]] = {}
    for link in (
        of_transfers(TransferIntermediary.objects.using(using), ids)
        .values("transfer_id", "actor_id")
        .order_by("transfer_id", "position")
    ):
        stops.setdefault(link["transfer_id"], []).append(link["actor_id"])
    for row in chunk:
        start = format_partial_date(row["start_date"], row["start_date_precision"])
        end = format_partial_date(row["end_date"], row["end_date_precision"])
        count = f"{row['quantity']} × " if row["quantity"] is not None else ""
        name = f"{row['supplier__name']} → {row['recipient__name']}: {row['system__designation']}"
        url = f"{paths['transfer']}{row['id']}/"
        kind = TYPE_WORDS.get(row["transfer_type"], row["transfer_type"])
        yield _line(
            _entity(
                "Event",
                transfer_id(row["id"]),
                name=name,
                summary=f"Arms transfer ({kind}), {count}{row['system__designation']}; "
                f"stage: {row['stage']}",
                description=row["notes"],
                organizer=actor_id(row["supplier_id"]),
                involved=[
                    actor_id(row["recipient_id"]),
                    *(actor_id(stop) for stop in stops.get(row["id"], [])),
                ],
                startDate=start,
                endDate=end,
                recordId=row["slug"],
                sourceUrl=url,
            )
        )
        yield _line(
            _entity(
                "UnknownLink",
                f"{transfer_id(row['id'])}-link",
                subject=actor_id(row["supplier_id"]),
                object=actor_id(row["recipient_id"]),
                role=f"arms supplier ({kind})",
                status=row["stage"],
                summary=name,
                startDate=start,
                endDate=end,
                recordId=row["slug"],
                sourceUrl=url,
            )
        )

    citations = list(
        one_of(Citation.objects.using(using), "transfer_id", ids)
        .values(
            "id",
            "transfer_id",
            "source_id",
            "stance",
            "quote",
            "status_event__stage",
            "attributed_to",
        )
        .order_by("transfer_id", "id")
    )
    new = sorted({c["source_id"] for c in citations} - documents)
    if new:
        documents.update(new)
        for source in (
            one_of(Source.objects.using(using), "id", new)
            .values(
                "id",
                "title",
                "publisher",
                "publication_date",
                "publication_date_precision",
                "url",
                "language",
                "authors",
            )
            .order_by("id")
        ):
            yield _line(
                _entity(
                    "Document",
                    source_id(source["id"]),
                    title=source_title(
                        source["title"],
                        source["publisher"],
                        source["publication_date"],
                        source["publication_date_precision"],
                    ),
                    publisher=source["publisher"],
                    publishedAt=format_partial_date(
                        source["publication_date"], source["publication_date_precision"]
                    ),
                    author=list(source["authors"] or []),
                    language=source["language"],
                    sourceUrl=source["url"] or f"{paths['source']}{source['id']}/",
                )
            )
    for citation in citations:
        stage = citation["status_event__stage"]
        yield _line(
            _entity(
                "Documentation",
                citation_id(citation["id"]),
                document=source_id(citation["source_id"]),
                entity=transfer_id(citation["transfer_id"]),
                role=f"{citation['stance']}: {stage}" if stage else citation["stance"],
                summary=citation["quote"],
                description=(
                    f"Attributed to {citation['attributed_to']}"
                    if citation["attributed_to"]
                    else ""
                ),
                sourceUrl=f"{paths['citation']}{citation['id']}/",
            )
        )


def _attribution(attributed_to: str) -> str:
    return f"Attributed to {attributed_to}" if attributed_to else ""
