"""The document page of a source in the admin (transfers.document_admin): the
stored text with its cited passages highlighted and linked, and citing a
selected passage, whose quote and anchor come from the selection."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from sources.factories import SourceTextFactory
from tests.admin.forms import form_data
from transfers.factories import TransferFactory
from transfers.models import Citation, Transfer

pytestmark = pytest.mark.django_db

TEXT = (
    "Drones for Iran\n\n"
    "Officials said on Monday that Russia had sent drones to Iran by sea.\n\n"
    "A second paragraph: the <b>cargo</b> was seized & photographed, they said.\n"
)
QUOTE = "Russia had sent drones to Iran by sea"


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root"))
    return client


@pytest.fixture
def cited():
    version = SourceTextFactory(text=TEXT)
    citation = Citation(source=version.source, transfer=TransferFactory(), quote=QUOTE)
    citation.full_clean()
    citation.save()
    return version, citation


def document_url(source):
    return reverse("admin:sources_source_document", args=[source.pk])


def test_the_page_shows_the_text_as_stored_with_the_cited_passage_marked(superuser_client, cited):
    version, citation = cited
    page = superuser_client.get(document_url(version.source)).content.decode()
    body = re.search(r'<div id="document-text"[^>]*>(.*?)</div>', page, re.S).group(1)
    # The text, tags of the highlight aside and entities decoded, is the stored text exactly.
    import html

    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == TEXT
    assert f'<a class="cited" href="#citation-{citation.pk}"' in body
    assert f"<mark>{QUOTE}</mark>" in body
    assert "&lt;b&gt;cargo&lt;/b&gt;" in body  # the document's markup is text, not HTML
    assert f'id="citation-{citation.pk}"' in page
    assert reverse("admin:transfers_transfer_change", args=[citation.transfer_id]) in page
    assert version.sha256 in page


def test_the_source_page_links_to_its_document(superuser_client, cited):
    version, _citation = cited
    page = superuser_client.get(
        reverse("admin:sources_source_change", args=[version.source.pk])
    ).content.decode()
    assert document_url(version.source) in page


def test_a_source_without_a_text_has_no_document_page(superuser_client):
    from sources.factories import SourceFactory

    assert superuser_client.get(document_url(SourceFactory())).status_code == 404


def test_an_older_version_can_be_read(superuser_client, cited):
    from sources.services import source_text_add

    version, _citation = cited
    source_text_add(version.source, "Added first.\n\n" + TEXT)
    old = superuser_client.get(document_url(version.source), {"version": 1}).content.decode()
    assert "This is an older version" in old
    assert 'id="selection-panel"' not in old  # citations are made in the current one


def test_a_selected_passage_fills_the_citation_form_and_is_saved_anchored(superuser_client, cited):
    version, citation = cited
    start = TEXT.index("the <b>cargo</b> was seized")
    end = start + len("the <b>cargo</b> was seized")
    add = reverse("admin:transfers_citation_add")
    query = {
        "source": version.source.pk,
        "start": start,
        "end": end,
        "transfer": citation.transfer_id,
    }
    form = superuser_client.get(add, query).content.decode()
    assert "the &lt;b&gt;cargo&lt;/b&gt; was seized</textarea>" in form
    response = superuser_client.post(
        f"{add}?source={version.source.pk}&start={start}&end={end}",
        {
            "source": version.source.pk,
            "transfer": citation.transfer_id,
            "quote": "the <b>cargo</b> was seized",
            "start": start,
            "end": end,
            "stance": "supports",
            "relays-TOTAL_FORMS": "0",
            "relays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Citation.objects.exclude(pk=citation.pk).get()
    assert (made.document, made.start, made.end, made.location) == (
        version,
        start,
        end,
        "paragraph 2",
    )


def test_a_retyped_quote_that_is_not_the_passage_is_a_form_error(superuser_client, cited):
    version, citation = cited
    start = TEXT.index(QUOTE)
    response = superuser_client.post(
        reverse("admin:transfers_citation_add"),
        {
            "source": version.source.pk,
            "transfer": citation.transfer_id,
            "quote": "Russia had sent tanks",
            "start": start,
            "end": start + len(QUOTE),
            "stance": "supports",
            "relays-TOTAL_FORMS": "0",
            "relays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "is not what stands at" in response.content.decode()
    assert Citation.objects.count() == 1


def test_a_new_transfer_from_a_passage_goes_on_to_cite_it(superuser_client, cited):
    version, citation = cited
    start = TEXT.index(QUOTE)
    old = citation.transfer
    add = reverse("admin:transfers_transfer_add")
    query = f"cite_source={version.source.pk}&cite_start={start}&cite_end={start + len(QUOTE)}"
    data = form_data(superuser_client.get(f"{add}?{query}").content.decode(), "transfer_form")
    data.update(
        supplier=[str(old.supplier_id)],
        recipient=[str(old.recipient_id)],
        system=[str(TransferFactory().system_id)],
        transfer_type=["sale"],
    )
    data["status_events-TOTAL_FORMS"] = ["1"]
    data["status_events-0-stage"] = ["delivered"]
    response = superuser_client.post(f"{add}?{query}", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    new = Transfer.objects.order_by("-id").first()
    assert response["Location"] == (
        f"{reverse('admin:transfers_citation_add')}?transfer={new.pk}"
        f"&source={version.source.pk}&start={start}&end={start + len(QUOTE)}"
    )
