"""Stored texts over the API (/source-texts/, a source created with its
text) and citations anchored in them (/citations/, the transfer's JSON)."""

import pytest

from sources.factories import SourceFactory, SourceTextFactory
from sources.models import SourceText
from tests.helpers import API
from transfers.factories import TransferFactory
from transfers.models import Citation

pytestmark = pytest.mark.django_db

TEXTS = f"{API}/source-texts/"
SOURCES = f"{API}/sources/"
CITATIONS = f"{API}/citations/"
TEXT = "A headline\n\nOfficials said on Monday that Russia had sent drones to Iran by sea.\n"
QUOTE = "Russia had sent drones to Iran by sea"


def test_a_source_is_created_with_its_text_and_a_tool_cites_it(editor):
    body = {"slug": "new-report", "kind": "news", "title": "A report", "text": TEXT}
    created = editor.post(SOURCES, body, format="json")
    assert created.status_code == 201, created.json()
    assert "text" not in created.json()  # written, not shown: the versions are at /source-texts/
    version = SourceText.objects.get(source__slug="new-report")
    assert (version.version, version.text, version.origin) == (1, TEXT, "api")
    texts = editor.get(created.json()["texts"]).json()["results"]
    assert [t["sha256"] for t in texts] == [version.sha256]

    transfer = TransferFactory()
    citation = editor.post(
        CITATIONS,
        {"source": "new-report", "transfer": transfer.slug, "quote": QUOTE},
        format="json",
    )
    assert citation.status_code == 201, citation.json()
    shown = citation.json()
    start = TEXT.index(QUOTE)
    assert (shown["document"], shown["start"], shown["end"]) == (
        version.pk,
        start,
        start + len(QUOTE),
    )
    assert shown["anchor_state"] == "anchored" and shown["location"] == "paragraph 1"
    in_transfer = editor.get(f"{API}/transfers/{transfer.slug}/").json()["citations"][0]
    assert (in_transfer["document"], in_transfer["start"], in_transfer["end"]) == (
        version.pk,
        start,
        start + len(QUOTE),
    )


def test_a_quote_not_in_the_text_is_a_400_naming_the_field(editor):
    version = SourceTextFactory(text=TEXT)
    response = editor.post(
        CITATIONS,
        {"source": version.source.slug, "transfer": TransferFactory().slug, "quote": "Not there."},
        format="json",
    )
    assert response.status_code == 400
    assert "does not occur in the stored text" in response.json()["quote"][0]
    assert not Citation.objects.exists()


def test_offsets_alone_give_the_quote(editor):
    version = SourceTextFactory(text=TEXT)
    start = TEXT.index(QUOTE)
    response = editor.post(
        CITATIONS,
        {
            "source": version.source.slug,
            "transfer": TransferFactory().slug,
            "start": start,
            "end": start + len(QUOTE),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["quote"] == QUOTE


def test_a_correction_is_a_new_version_and_the_same_text_is_not(editor):
    version = SourceTextFactory(text=TEXT)
    transfer = TransferFactory()
    editor.post(
        CITATIONS,
        {"source": version.source.slug, "transfer": transfer.slug, "quote": QUOTE},
        format="json",
    )
    again = editor.post(TEXTS, {"source": version.source.slug, "text": TEXT}, format="json")
    assert again.status_code == 200 and again.json()["version"] == 1
    corrected = "Correction appended.\n\n" + TEXT
    response = editor.post(
        TEXTS,
        {"source": version.source.slug, "text": corrected, "note": "A line added."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 2
    citation = Citation.objects.get()
    assert citation.document.version == 2 and corrected[citation.start : citation.end] == QUOTE


def test_a_stored_text_cannot_be_changed_or_deleted_over_the_api(editor):
    version = SourceTextFactory(text=TEXT)
    url = f"{TEXTS}{version.pk}/"
    assert editor.put(url, {"text": "x"}, format="json").status_code == 405
    assert editor.patch(url, {"text": "x"}, format="json").status_code == 405
    assert editor.delete(url).status_code == 405
    source_url = f"{SOURCES}{version.source.slug}/"
    refused = editor.patch(source_url, {"text": "Another text."}, format="json")
    assert refused.status_code == 400 and "never replaced" in refused.json()["text"][0]


def test_an_empty_text_is_a_400(editor):
    source = SourceFactory()
    response = editor.post(TEXTS, {"source": source.slug, "text": "   "}, format="json")
    assert response.status_code == 400 and "text" in response.json()
    assert not SourceText.objects.exists()


def test_anyone_reads_texts_but_only_editors_store_them(api_client, viewer):
    version = SourceTextFactory(text=TEXT)
    assert api_client.get(f"{TEXTS}{version.pk}/").json()["text"] == TEXT
    assert api_client.get(TEXTS, {"source": version.source.slug}).json()["count"] == 1
    body = {"source": version.source.slug, "text": TEXT + "more"}
    assert api_client.post(TEXTS, body, format="json").status_code == 401
    assert viewer.post(TEXTS, body, format="json").status_code == 403


def test_an_html_page_is_stored_as_its_main_text(editor):
    source = SourceFactory()
    page = (
        "<html><head><title>Drones | Ledger</title></head><body><nav><a href='/'>Home</a>"
        "<a href='/w'>World</a></nav><article><h1>Drones for Niger</h1>"
        "<p>Turkey delivered six Bayraktar TB2 drones to Niger in March, officials said.</p>"
        "<p>The aircraft were handed over at a ceremony in Niamey attended by ministers.</p>"
        "</article><footer>All rights reserved.</footer></body></html>"
    )
    response = editor.post(
        TEXTS, {"source": source.slug, "text": page, "format": "html"}, format="json"
    )
    assert response.status_code == 201, response.json()
    version = SourceText.objects.get(source=source)
    assert version.format == "html" and version.received == page
    assert "Turkey delivered six Bayraktar TB2 drones to Niger" in version.text
    assert "All rights reserved" not in version.text and "<p>" not in version.text


def test_line_breaks_are_stored_as_newlines(editor):
    source = SourceFactory()
    response = editor.post(
        TEXTS, {"source": source.slug, "text": "One line.\r\nAnother line.\r\n"}, format="json"
    )
    assert response.status_code == 201
    assert SourceText.objects.get(source=source).text == "One line.\nAnother line.\n"
