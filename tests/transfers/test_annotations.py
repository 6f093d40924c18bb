"""Citations as W3C Web Annotations: the selectors find the quote in the
stored text they point at, and the bodies link what the quote is about."""

import io
import json

import pytest
from django.core.management import call_command

from sources.factories import SourceFactory, SourceTextFactory
from sources.models import SourceText
from tests.helpers import API
from transfers.factories import CitationFactory, StatusEventFactory, TransferFactory
from transfers.models import Citation

pytestmark = pytest.mark.django_db

URL = f"{API}/exports/citations.jsonld"
TEXT = (
    "Moscow sends drones\n\n"
    "Officials said on Monday that Russia had sent drones to Iran by sea.\n\n"
    "A second paragraph repeats it: Russia had sent drones to Iran, they said again.\n"
)
QUOTE = "Russia had sent drones to Iran by sea"


def anchored(transfer, **fields) -> Citation:
    source = SourceTextFactory(text=TEXT).source
    citation = Citation(source=source, transfer=transfer, quote=QUOTE, **fields)
    citation.full_clean()  # anchors it in the stored text
    citation.save()
    return citation


def collection(api_client, params=None) -> dict:
    response = api_client.get(URL, params or {})
    assert response.status_code == 200, response
    assert response["Content-Type"] == (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )
    return json.loads(b"".join(response.streaming_content))


def by_id(body: dict) -> dict:
    return {item["id"].rsplit("/", 2)[-2]: item for item in body["first"]["items"]}


def test_an_anchored_quote_is_selected_in_its_stored_text(api_client):
    transfer = TransferFactory()
    event = StatusEventFactory(transfer=transfer)
    citation = anchored(transfer, status_event=event, attributed_to="Ukrainian intelligence")
    assert citation.start is not None  # the quote was anchored
    body = collection(api_client)
    assert body["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert (body["type"], body["total"], body["first"]["type"]) == (
        "AnnotationCollection",
        1,
        "AnnotationPage",
    )
    annotation = by_id(body)[str(citation.pk)]
    assert annotation["type"] == "Annotation"
    target = annotation["target"]
    document_id = int(target["source"].rstrip("/").rsplit("/", 1)[-1])
    assert target["source"] == f"http://testserver{API}/source-texts/{document_id}/"
    text = SourceText.objects.get(pk=document_id).text
    quote, position = target["selector"]
    assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
    assert text[position["start"] : position["end"]] == quote["exact"] == QUOTE
    assert text[: position["start"]].endswith(quote["prefix"])
    assert text[position["end"] :].startswith(quote["suffix"])
    links = [b["source"] for b in annotation["body"] if b["purpose"] == "linking"]
    assert links == [
        f"http://testserver{API}/transfers/{transfer.pk}/",
        f"http://testserver{API}/status-events/{event.pk}/",
    ]
    [describing] = [b for b in annotation["body"] if b["purpose"] == "describing"]
    assert describing["value"].startswith(citation.stance)
    assert annotation["creator"]["name"] == "Ukrainian intelligence"


def test_a_quote_without_stored_text_targets_the_source(api_client):
    source = SourceFactory(url="https://news.example/a")
    citation = CitationFactory(source=source)
    annotation = by_id(collection(api_client))[str(citation.pk)]
    assert annotation["target"]["source"] == "https://news.example/a"
    assert annotation["target"]["selector"] == {
        "type": "TextQuoteSelector",
        "exact": citation.quote,
    }
    assert "creator" not in annotation


def test_the_collection_honours_the_filters(api_client):
    kept = anchored(TransferFactory())
    other = CitationFactory()
    body = collection(api_client, {"supplier": kept.transfer.supplier.slug})
    assert str(kept.pk) in by_id(body)
    if other.transfer.supplier_id != kept.transfer.supplier_id:
        assert str(other.pk) not in by_id(body)
    assert body["id"].endswith(f"?supplier={kept.transfer.supplier.slug}")


def test_a_bad_filter_is_a_json_400(api_client):
    response = api_client.get(URL, {"year_from": "soon"})
    assert response.status_code == 400
    assert "year_from" in response.json()


def test_the_command_writes_what_the_api_serves(api_client):
    anchored(TransferFactory())
    out = io.StringIO()
    call_command(
        "export_transfers", "--format", "annotations", "--base-url", "http://testserver", stdout=out
    )
    response = api_client.get(URL)
    assert out.getvalue().encode() == b"".join(response.streaming_content)
