"""Adding a document in the admin (sources.document_intake_admin): read what
the editor gives, show it, store it on confirmation; a corrected version of
a source's text."""

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sources.factories import SourceTextFactory
from sources.models import Source, SourceText
from transfers.factories import TransferFactory
from transfers.models import Citation

pytestmark = pytest.mark.django_db

ADD = "admin:sources_source_add_from_document"
PAGE = """<!doctype html><html lang="en"><head><title>Sahel drones | The Ledger</title>
<meta property="og:title" content="Drones for the Sahel">
<meta name="author" content="Amina Diallo">
<meta property="article:published_time" content="2024-03-14">
<meta property="og:site_name" content="The Ledger"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/defence">Defence</a></nav>
<article><h1>Drones for the Sahel</h1>
<p>Turkey delivered six Bayraktar TB2 drones to Niger in March, the defence ministry
said on Thursday.</p>
<p>The aircraft were flown to Niamey on a cargo plane and handed over at a ceremony
attended by officials.</p>
<p>Analysts said the purchase fits a wider pattern of Turkish drone sales across West
Africa this decade.</p>
</article><aside><h2>Related articles</h2>
<ul><li><a href="/x">Another story entirely</a></li></ul></aside>
<footer>© The Ledger. All rights reserved.</footer></body></html>"""


@pytest.fixture
def root(client):
    client.force_login(User.objects.create_superuser("root"))
    return client


def token_of(page: str) -> str:
    import re

    return re.search(r'name="document" value="([^"]+)"', page).group(1)


def test_a_pasted_text_is_shown_then_stored_with_its_new_source(root):
    text = "Belarus sent drones to Sudan.\r\n\r\nThe second paragraph follows.\r\n"
    shown = root.post(reverse(ADD), {"text": text, "format": "text"})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert "Belarus sent drones to Sudan." in page and 'name="document"' in page
    assert not Source.objects.exists()  # nothing is stored before confirmation
    confirmed = root.post(
        reverse(ADD),
        {
            "document": token_of(page),
            "title": "Belarus and Sudan",
            "slug": "belarus-sudan",
            "kind": "news",
            "language": "en",
            "reliability": "F",
        },
    )
    assert confirmed.status_code == 302, confirmed.content.decode()[:3000]
    version = SourceText.objects.get(source__slug="belarus-sudan")
    assert version.text == text.replace("\r\n", "\n")
    assert (version.origin, version.format, version.version) == ("pasted", "text", 1)
    assert confirmed["Location"] == reverse(
        "admin:sources_source_document", args=[version.source_id]
    )


def test_an_uploaded_page_is_read_for_its_main_text_and_metadata(root):
    upload = SimpleUploadedFile("sahel.html", PAGE.encode(), content_type="text/html")
    page = root.post(reverse(ADD), {"file": upload, "format": "text"}).content.decode()
    assert "Turkey delivered six Bayraktar TB2 drones to Niger" in page
    assert (
        "Another story entirely" not in page.split('class="document-preview"')[1].split("</div>")[0]
    )
    assert 'value="Drones for the Sahel"' in page  # the title, proposed in the form
    assert 'value="The Ledger"' in page
    assert 'value="2024-03-14"' in page
    confirmed = root.post(
        reverse(ADD),
        {
            "document": token_of(page),
            "title": "Drones for the Sahel",
            "slug": "drones-sahel",
            "kind": "news",
            "language": "en",
            "reliability": "F",
            "published": "2024-03-14",
        },
    )
    assert confirmed.status_code == 302
    version = SourceText.objects.get(source__slug="drones-sahel")
    assert version.format == "html" and version.received == PAGE
    assert "Related articles" not in version.text and version.origin == "uploaded"


def test_an_altered_document_is_refused(root):
    page = root.post(reverse(ADD), {"text": "A text of some length.", "format": "text"})
    token = token_of(page.content.decode())
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = root.post(
        reverse(ADD),
        {"document": tampered, "title": "x", "slug": "x", "kind": "news", "reliability": "F"},
        follow=True,
    )
    assert "altered" in response.content.decode()
    assert not Source.objects.exists()


def test_giving_two_ways_or_none_is_a_form_error(root):
    page = root.post(reverse(ADD), {"format": "text"}).content.decode()
    assert "Give one of them" in page
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4", content_type="application/pdf")
    page = root.post(reverse(ADD), {"file": upload, "format": "text"}).content.decode()
    assert "upload a file ending in" in page


def test_a_corrected_version_reanchors_and_reports_orphans(root):
    version = SourceTextFactory(text="Russia sent drones to Iran.\n\nIt happened in May.\n")
    for quote in ("Russia sent drones to Iran.", "It happened in May."):
        citation = Citation(source=version.source, transfer=TransferFactory(), quote=quote)
        citation.full_clean()
        citation.save()
    url = reverse("admin:sources_source_add_text", args=[version.source_id])
    corrected = "Russia sent drones to Iran.\n\nIt happened in June.\n"
    page = root.post(url, {"text": corrected, "format": "text"}).content.decode()
    response = root.post(url, {"document": token_of(page), "note": "May was June."}, follow=True)
    assert "Stored version 2" in response.content.decode()
    assert "Citations not found in it: 1" in response.content.decode()
    assert SourceText.objects.filter(source=version.source).count() == 2
    assert Citation.objects.filter(anchor_state="orphaned").count() == 1


def test_only_who_may_add_sources_and_texts_may_use_it(client):
    user = User.objects.create_user("looker", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(user)
    assert client.get(reverse(ADD)).status_code == 403
    version = SourceTextFactory()
    assert (
        client.get(reverse("admin:sources_source_add_text", args=[version.source_id])).status_code
        == 403
    )
