"""Sources, citations and systems through the API."""

import datetime

import pytest

from common.dates import DatePrecision
from sources.factories import SourceFactory
from sources.models import Source
from tests.helpers import API, results, slugs
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import Citation

pytestmark = pytest.mark.django_db

SOURCES = f"{API}/sources/"
CITATIONS = f"{API}/citations/"
SYSTEMS = f"{API}/systems/"


# --- sources -------------------------------------------------------------------


def test_source_shows_its_document_url_apart_from_its_api_url(api_client):
    source = SourceFactory(slug="tass-2016", url="https://tass.example/123")
    body = api_client.get(f"{SOURCES}tass-2016/").json()
    assert body["url"] == f"http://testserver{SOURCES}{source.pk}/"
    assert body["document_url"] == "https://tass.example/123"
    assert (body["publication_date"], body["publication_date_precision"]) == ("2024-05", "month")
    assert body["citations"].endswith(f"{CITATIONS}?source=tass-2016")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"publisher": "reuters"}, ["reuters-2022"]),
        ({"kind": "official"}, ["mod-2014"]),
        ({"kind": ["official", "analysis"]}, ["mod-2014", "rusi-2023"]),
        ({"year": 2022}, ["reuters-2022"]),
        ({"reliability": "A"}, ["mod-2014"]),
        ({"search": "Shahed"}, ["rusi-2023"]),
    ],
)
def test_source_filters(api_client, params, expected):
    SourceFactory(
        slug="reuters-2022",
        publisher="Reuters",
        publication_date=datetime.date(2022, 1, 1),
        publication_date_precision=DatePrecision.YEAR,
    )
    SourceFactory(slug="mod-2014", kind="official", reliability="A", publisher="MoD")
    SourceFactory(slug="rusi-2023", kind="analysis", title="The Shahed supply chain")
    assert sorted(slugs(api_client.get(SOURCES, params))) == expected


def test_sources_are_ordered_newest_first_by_default(api_client):
    for year in (2019, 2023, 2021):
        SourceFactory(slug=f"s-{year}", publication_date=datetime.date(year, 5, 1))
    SourceFactory(slug="undated", publication_date=None, publication_date_precision="")
    assert slugs(api_client.get(SOURCES)) == ["s-2023", "s-2021", "s-2019", "undated"]
    assert slugs(api_client.get(SOURCES, {"ordering": "publication_date"})) == [
        "s-2019",
        "s-2021",
        "s-2023",
        "undated",
    ]


def test_a_bad_year_is_a_400(api_client):
    response = api_client.get(SOURCES, {"year": "last"})
    assert response.status_code == 400
    assert "year" in response.json()


def test_editor_creates_a_source_with_a_partial_date(editor):
    response = editor.post(
        SOURCES,
        {
            "slug": "reuters-drones",
            "title": "Drones flown in",
            "publisher": "Reuters",
            "authors": ["J. Reporter"],
            "publication_date": "2022-10",
            "document_url": "https://reuters.example/drones",
            "kind": "news",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    source = Source.objects.get(slug="reuters-drones")
    assert (source.publication_date, source.publication_date_precision) == (
        datetime.date(2022, 10, 1),
        "month",
    )
    assert source.url == "https://reuters.example/drones"


def test_a_copy_of_a_copy_is_refused(editor):
    original = SourceFactory(slug="original")
    SourceFactory(slug="copy", copy_of=original)
    response = editor.post(
        SOURCES, {"slug": "copy-2", "kind": "news", "copy_of": "copy"}, format="json"
    )
    assert response.status_code == 400
    assert "original work" in response.json()["copy_of"][0]


def test_deleting_a_cited_source_is_a_409(editor):
    citation = CitationFactory()
    response = editor.delete(f"{SOURCES}{citation.source.slug}/")
    assert response.status_code == 409
    assert Source.objects.filter(pk=citation.source_id).exists()


# --- citations -----------------------------------------------------------------


def test_citation_shows_source_transfer_and_event_in_brief(api_client):
    event = StatusEventFactory()
    citation = CitationFactory(transfer=event.transfer, status_event=event)
    body = api_client.get(f"{CITATIONS}{citation.pk}/").json()
    assert body["source"]["slug"] == citation.source.slug
    assert body["source"]["title"] == citation.source.title
    assert body["transfer"]["slug"] == event.transfer.slug
    assert body["status_event"]["id"] == event.pk
    assert body["quote"] == citation.quote


def test_citations_are_addressed_by_id_only(api_client):
    citation = CitationFactory()
    assert api_client.get(f"{CITATIONS}{citation.pk}/").status_code == 200
    assert api_client.get(f"{CITATIONS}some-slug/").status_code == 404


def test_citation_filters(api_client):
    first, second = CitationFactory(), CitationFactory()
    event = StatusEventFactory(transfer=second.transfer)
    on_event = CitationFactory(transfer=second.transfer, status_event=event, stance="contradicts")

    def ids(params):
        return sorted(c["id"] for c in results(api_client.get(CITATIONS, params)))

    assert ids({"source": first.source.slug}) == [first.pk]
    assert ids({"source_id": second.source_id}) == [second.pk]
    assert ids({"transfer": second.transfer.slug}) == [second.pk, on_event.pk]
    assert ids({"transfer_id": first.transfer_id}) == [first.pk]
    assert ids({"status_event": event.pk}) == [on_event.pk]
    assert ids({"stance": "contradicts"}) == [on_event.pk]
    assert ids({"search": first.quote}) == [first.pk]


def test_a_citation_given_only_its_event_takes_the_events_transfer(editor):
    event = StatusEventFactory()
    source = SourceFactory(slug="tass")
    response = editor.post(
        CITATIONS,
        {"source": "tass", "status_event": event.pk, "quote": "The first battery arrived."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["transfer"]["id"] == event.transfer_id
    assert Citation.objects.get().source == source


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"quote": "   "}, "quote", "Copy the supporting sentence"),
        ({"transfer": None}, "transfer", "may not be null"),
        ({"status_event": "OTHER"}, "status_event", "belongs to another transfer"),
        ({"status_event": "abc"}, "status_event", "Give an id"),
        ({"source": "no-such-source"}, "source", "There is no source with the slug"),
        ({"stance": "maybe"}, "stance", "valid choice"),
    ],
)
def test_invalid_citations_are_400s(editor, body, field, message):
    transfer, other_event = TransferFactory(), StatusEventFactory()
    source = SourceFactory()
    payload = {"source": source.slug, "transfer": transfer.slug, "quote": "It arrived.", **body}
    if payload.get("status_event") == "OTHER":
        payload["status_event"] = other_event.pk
    response = editor.post(CITATIONS, payload, format="json")
    assert response.status_code == 400, response.content
    assert message in str(response.json()[field]), response.json()
    assert not Citation.objects.exists()


def test_a_citation_without_transfer_or_event_is_a_400(editor):
    SourceFactory(slug="tass")
    response = editor.post(CITATIONS, {"source": "tass", "quote": "It did."}, format="json")
    assert response.status_code == 400
    assert "transfer" in response.json()


# --- systems -------------------------------------------------------------------


def test_system_detail_by_slug_links_to_its_transfers(api_client, s300):
    TransferFactory(system=s300)
    body = api_client.get(f"{SYSTEMS}s-300/").json()
    assert body["designation"] == "S-300"
    assert body["origin"]["slug"] == "russia"
    assert body["nato_reporting_name"] == "SA-10 Grumble"
    assert body["transfers"]["all"].endswith("/api/v1/transfers/?system=s-300")
    assert api_client.get(body["transfers"]["all"]).json()["count"] == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "air_defence"}, ["s-300"]),
        ({"category": ["uav", "air_defence"]}, ["s-300", "shahed-136"]),
        ({"origin": "iran"}, ["shahed-136"]),
        ({"search": "Geran-2"}, ["shahed-136"]),
        ({"search": "Grumble"}, ["s-300"]),
        ({"ordering": "-designation"}, ["shahed-136", "s-300"]),
    ],
)
def test_system_filters(api_client, s300, iran, params, expected):
    SystemFactory(
        slug="shahed-136",
        designation="Shahed-136",
        category="uav",
        aliases=["Geran-2"],
        origin=iran,
    )
    found = slugs(api_client.get(SYSTEMS, params))
    assert (found if "ordering" in params else sorted(found)) == expected


def test_editor_creates_and_renames_a_system(editor, russia):
    response = editor.post(
        SYSTEMS,
        {"designation": "Tor-M1", "slug": "tor-m1", "category": "air_defence", "origin": "russia"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    response = editor.patch(
        f"{SYSTEMS}tor-m1/", {"nato_reporting_name": "SA-15 Gauntlet"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["nato_reporting_name"] == "SA-15 Gauntlet"


def test_a_system_needs_a_designation_and_a_known_category(editor):
    response = editor.post(SYSTEMS, {"slug": "x", "designation": "", "category": "lasers"})
    assert response.status_code == 400
    assert set(response.json()) == {"designation", "category"}
