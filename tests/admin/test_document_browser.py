"""The document page in a real browser (Debian's Chromium through
Playwright): selecting a passage gives the citation form its quote and
offsets, and the citation saved is anchored there."""

import pytest
from django.contrib.auth.models import User

from sources.factories import SourceTextFactory
from tests.browser import chromium, log_in
from transfers.factories import TransferFactory
from transfers.models import Citation

TEXT = (
    "Drones for Iran\n\n"
    "Officials said on Monday that Russia had sent drones to Iran by sea.\n\n"
    "A second paragraph: the cargo was seized & photographed, they said.\n"
)
CITED = "Russia had sent drones to Iran by sea"
#: Begins inside the highlighted passage and ends past it: two text nodes.
SELECTED = "drones to Iran by sea.\n\nA second"

SELECT = """([start, end]) => {
  const root = document.getElementById("document-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let position = 0, from = null, to = null;
  while (walker.nextNode()) {
    const node = walker.currentNode, length = node.data.length;
    if (!from && start < position + length) from = [node, start - position];
    if (!to && end <= position + length) to = [node, end - position];
    position += length;
  }
  const range = document.createRange();
  range.setStart(...from);
  range.setEnd(...to);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  root.dispatchEvent(new MouseEvent("mouseup", { bubbles: true }));
}"""


@pytest.mark.django_db(transaction=True)
def test_a_selection_is_cited_with_its_quote_and_offsets(live_server):
    User.objects.create_superuser("reader", password="a long passphrase")
    version = SourceTextFactory(text=TEXT)
    first = Citation(source=version.source, transfer=TransferFactory(), quote=CITED)
    first.full_clean()
    first.save()
    errors, violations = [], []
    with chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and violations.append(message.text[:160])
            ),
        )
        log_in(page, live_server, "reader", "a long passphrase")
        page.goto(f"{live_server.url}/admin/sources/source/{version.source.pk}/document/")
        assert page.locator("#document-text mark").inner_text() == CITED
        assert page.locator("#document-text").text_content() == TEXT

        # Selecting the highlighted passage the way a reader does.
        page.locator("#document-text mark").select_text()
        page.dispatch_event("#document-text", "mouseup")
        assert page.locator("#selection-panel").is_visible()
        assert page.input_value("#cite-start") == str(first.start)
        assert page.input_value("#cite-end") == str(first.end)

        # A selection across the highlight's edge, with whitespace in it.
        start = TEXT.index(SELECTED)
        page.evaluate(SELECT, [start - 1, start + len(SELECTED) + 1])  # a space picked up each side
        assert page.locator("#selection-quote").text_content() == SELECTED
        assert page.input_value("#cite-start") == str(start)
        page.select_option("#cite-transfer", str(first.transfer_id))
        page.click("#cite-form button[type=submit]")
        page.wait_for_selector("#citation_form")
        assert page.input_value("#id_quote") == SELECTED
        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist .success")
    made = Citation.objects.exclude(pk=first.pk).get()
    assert (made.start, made.end, made.quote) == (start, start + len(SELECTED), SELECTED)
    assert made.transfer_id == first.transfer_id and made.document == version
    assert errors == [] and violations == []
