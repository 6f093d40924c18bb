"""The FollowTheMoney export: every line loads back into followthemoney's
model as a valid entity of the schema chosen, and the links hold together."""

import io
import json

import pytest
from django.core.management import call_command
from followthemoney import model

from actors.factories import ActorFactory
from sources.factories import SourceFactory
from tests.helpers import API, documented_transfer
from transfers.factories import CitationFactory, TransferFactory
from transfers.models import TransferIntermediary

pytestmark = pytest.mark.django_db

URL = f"{API}/exports/transfers.ftm.jsonl"


def entities(text: str) -> dict:
    """{id: proxy} of the lines, each loaded and validated by FtM's model."""
    proxies = {}
    for line in text.splitlines():
        data = json.loads(line)
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.schema.name == data["schema"]
        # Each value survives FtM's own cleaning unchanged: none was invalid for its type.
        assert model.get_proxy(data).to_dict()["properties"] == data["properties"], data
        assert proxy.id not in proxies
        proxies[proxy.id] = proxy
    return proxies


def download(api_client, params=None) -> str:
    response = api_client.get(URL, params or {})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    return b"".join(response.streaming_content).decode()


def test_transfers_actors_sources_and_citations_become_linked_entities(api_client):
    transfer = documented_transfer()
    company = ActorFactory(kind="company", name="Rosoboronexport")
    position = transfer.intermediary_links.count() + 1
    TransferIntermediary.objects.create(transfer=transfer, actor=company, position=position)
    stops = {f"at-actor-{link.actor_id}" for link in transfer.intermediary_links.all()}
    source = SourceFactory(title="", publisher="TASS", url="https://tass.example/1")
    citation = CitationFactory(transfer=transfer, source=source, attributed_to="a ministry")
    proxies = entities(download(api_client))

    event = proxies[f"at-transfer-{transfer.pk}"]
    assert event.schema.name == "Event"
    assert event.get("organizer") == [f"at-actor-{transfer.supplier_id}"]
    assert set(event.get("involved")) == {f"at-actor-{transfer.recipient_id}"} | stops
    assert event.get("recordId") == [transfer.slug]
    link = proxies[f"at-transfer-{transfer.pk}-link"]
    assert link.schema.name == "UnknownLink"
    assert (link.get("subject"), link.get("object")) == (
        [f"at-actor-{transfer.supplier_id}"],
        [f"at-actor-{transfer.recipient_id}"],
    )
    supplier = proxies[f"at-actor-{transfer.supplier_id}"]
    assert supplier.schema.name == "Organization"  # a state
    assert supplier.get("name") == [transfer.supplier.name]
    assert proxies[f"at-actor-{company.pk}"].schema.name == "Company"

    document = proxies[f"at-source-{source.pk}"]
    assert document.schema.name == "Document"
    assert document.get("sourceUrl") == ["https://tass.example/1"]
    assert source.slug not in document.get("title")[0]
    documentation = proxies[f"at-citation-{citation.pk}"]
    assert documentation.schema.name == "Documentation"
    assert documentation.get("document") == [document.id]
    assert documentation.get("entity") == [event.id]
    assert documentation.get("role") == [citation.stance]
    assert documentation.get("summary") == [citation.quote]
    # Every reference points at an entity of the export.
    for proxy in proxies.values():
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in proxies, (proxy.id, prop.name, value)


def test_each_document_is_written_once(api_client):
    source = SourceFactory()
    for transfer in TransferFactory.create_batch(3):
        CitationFactory(transfer=transfer, source=source)
    lines = [json.loads(line) for line in download(api_client).splitlines()]
    assert [line["id"] for line in lines].count(f"at-source-{source.pk}") == 1


def test_the_export_honours_the_filters(api_client):
    kept, dropped = TransferFactory(), TransferFactory()
    proxies = entities(download(api_client, {"supplier": kept.supplier.slug}))
    assert f"at-transfer-{kept.pk}" in proxies
    if dropped.supplier_id != kept.supplier_id:
        assert f"at-transfer-{dropped.pk}" not in proxies


def test_a_bad_filter_is_a_json_400(api_client):
    response = api_client.get(URL, {"year_from": "soon"})
    assert response.status_code == 400
    assert "year_from" in response.json()


def test_the_command_writes_the_same_entities(api_client):
    documented_transfer()
    out = io.StringIO()
    call_command(
        "export_transfers", "--format", "ftm", "--base-url", "http://testserver", stdout=out
    )
    assert out.getvalue() == download(api_client)
