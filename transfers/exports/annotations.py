"""Citations as W3C Web Annotations (https://www.w3.org/TR/annotation-model/),
in JSON-LD: one AnnotationCollection whose one AnnotationPage holds an
Annotation a citation, streamed.

A citation is a quote anchored in a stored version of a source's text
(transfers.anchors): its target is that version (`/api/v1/source-texts/<id>/`,
whose `text` the selectors index) with a TextQuoteSelector (exact, prefix,
suffix) and a TextPositionSelector (start, end), so `text[start:end]` is the
quote. A citation with no stored text to anchor in targets the source itself
(its URL, or its API URL) with the quote alone. The body links the transfer
and, if the citation bears on one, the status event (purpose `linking`), and
says the stance (purpose `describing`); the creator is whom the text
attributes the claim to, where it says.
"""

from collections.abc import Iterator

from django.db import transaction
from django.db.models import QuerySet
from rest_framework.reverse import reverse

from common.api.renderers import dumps

from ..api.representation import _detail_paths
from ..models import Citation
from .sql import in_id_order

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{CONTEXT}"'

CITATION_COLUMNS = (
    "id",
    "transfer_id",
    "status_event_id",
    "status_event__stage",
    "source_id",
    "source__url",
    "document_id",
    "quote",
    "start",
    "end",
    "prefix",
    "suffix",
    "stance",
    "attributed_to",
    "attributed_to_actor_id",
    "created",
    "updated",
)


def citations_of(transfers: QuerySet) -> QuerySet:
    return (
        Citation.objects.filter(transfer__in=in_id_order(transfers).values("pk"))
        .values(*CITATION_COLUMNS)
        .order_by("transfer_id", "id")
    )


def annotation(row: dict, paths: dict, source_text_path: str) -> dict:
    if row["document_id"] is not None:
        target = {
            "type": "SpecificResource",
            "source": f"{source_text_path}{row['document_id']}/",
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": row["quote"],
                    "prefix": row["prefix"],
                    "suffix": row["suffix"],
                },
                {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
            ],
        }
    else:
        target = {
            "type": "SpecificResource",
            "source": row["source__url"] or f"{paths['source']}{row['source_id']}/",
            "selector": {"type": "TextQuoteSelector", "exact": row["quote"]},
        }
    stance = row["stance"]
    if row["status_event__stage"]:
        stance = f"{stance} the stage {row['status_event__stage']}"
    body = [
        {
            "type": "SpecificResource",
            "source": f"{paths['transfer']}{row['transfer_id']}/",
            "purpose": "linking",
        }
    ]
    if row["status_event_id"] is not None:
        body.append(
            {
                "type": "SpecificResource",
                "source": f"{paths['statusevent']}{row['status_event_id']}/",
                "purpose": "linking",
            }
        )
    body.append({"type": "TextualBody", "value": stance, "purpose": "describing"})
    record = {
        "id": f"{paths['citation']}{row['id']}/",
        "type": "Annotation",
        "motivation": "describing",
        "body": body,
        "target": target,
        "created": row["created"],
        "modified": row["updated"],
    }
    if row["attributed_to"]:
        creator = {"name": row["attributed_to"]}
        if row["attributed_to_actor_id"] is not None:
            creator["id"] = f"{paths['actor']}{row['attributed_to_actor_id']}/"
        record["creator"] = creator
    return record


def collection_url(origin: str, query: str) -> str:
    """The collection's id: the export's URL with the filters' query."""
    url = origin + reverse("api:export-annotations")
    return f"{url}?{query}" if query else url


def write_annotations(transfers: QuerySet, origin: str, collection_url: str) -> Iterator[str]:
    """The collection of the citations of `transfers` (filtered), in transfer
    then citation order: its head (with `total`, one count query), then the
    annotations as the streamed query reads them."""
    paths = {name: origin + path for name, path in _detail_paths().items()}
    source_text_path = f"{origin}{_source_text_path()}"
    rows = citations_of(transfers)
    with transaction.atomic(using=rows.db, savepoint=False):
        total = rows.count()
        head = {
            "@context": CONTEXT,
            "id": collection_url,
            "type": "AnnotationCollection",
            "label": "Citations of arms transfers: quotes anchored in the sources' texts",
            "total": total,
        }
        page = {"id": f"{collection_url}#page-1", "type": "AnnotationPage", "startIndex": 0}
        yield (dumps(head)[:-1] + b',"first":' + dumps(page)[:-1] + b',"items":[').decode()
        separator = ""
        for row in rows.iterator(chunk_size=2000):
            yield separator + dumps(annotation(row, paths, source_text_path)).decode()
            separator = ","
        yield "]}}\n"


def _source_text_path() -> str:
    return reverse("api:sourcetext-detail", kwargs={"pk": 0})[: -len("0/")]
