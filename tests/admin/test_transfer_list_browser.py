"""The transfer changelist in a real browser (Debian's Chromium through
Playwright) at 1400 × 900, a common laptop window: every column fits, none
clipped or scrolled out of sight. A screenshot is kept (tests/browser.py's
ARTIFACTS_DIR) for a person to look at."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from tests.browser import artifact, chromium, log_in

#: For each header cell and for the table: how wide it is drawn, how wide its
#: content would be, and where it ends against the edge of the scrolling
#: container Django draws the table in (div.results, overflow-x: auto).
MEASURE = """() => {
  const table = document.querySelector("#result_list");
  const box = table.closest(".results").getBoundingClientRect();
  const container = table.closest(".results");
  return {
    container: {scrollWidth: container.scrollWidth, clientWidth: container.clientWidth},
    table: {scrollWidth: table.scrollWidth, right: table.getBoundingClientRect().right},
    right: box.right,
    headers: [...table.querySelectorAll("thead th")].map((th) => {
      const text = th.querySelector(".text") || th;
      return {
        text: th.innerText.trim(),
        right: th.getBoundingClientRect().right,
        scrollWidth: text.scrollWidth,
        clientWidth: text.clientWidth,
      };
    }),
    cells: [...table.querySelectorAll("tbody td, tbody th")].filter(
      (cell) => cell.scrollWidth > cell.clientWidth + 1
    ).map((cell) => cell.className + ": " + cell.innerText.slice(0, 40)),
  };
}"""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("query", "name"),
    # Sorted, a header makes room for its sort controls: the last one sorted.
    [("", "transfer-changelist-1400.png"), ("?o=8", "transfer-changelist-1400-sorted.png")],
)
def test_every_column_of_the_transfer_list_fits_at_1400_px(live_server, query, name):
    call_command("loaddata", "fixtures/seed.json", verbosity=0)
    User.objects.create_superuser("reader", password="a long passphrase")
    violations = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and violations.append(message.text[:160])
            ),
        )
        log_in(page, live_server, "reader", "a long passphrase")
        page.goto(f"{live_server.url}/admin/transfers/transfer/{query}")
        page.screenshot(path=artifact(name))
        measured = page.evaluate(MEASURE)
    headers = measured["headers"]
    assert [header["text"] for header in headers][1:] == [
        "SUPPLIER",
        "RECIPIENT",
        "SYSTEM",
        "STAGE",
        "CRED.",
        "TYPE",
        "START",
        "CIT.",
    ]
    # Nothing to scroll to: the table is no wider than its container...
    assert measured["container"]["scrollWidth"] <= measured["container"]["clientWidth"]
    assert measured["table"]["right"] <= measured["right"] + 0.5
    for header in headers:
        # ...each header ends inside it, and its text is not cut.
        assert header["right"] <= measured["right"] + 0.5, header
        assert header["scrollWidth"] <= header["clientWidth"], header
    assert measured["cells"] == []
    assert violations == []
