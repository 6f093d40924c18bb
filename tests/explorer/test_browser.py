"""The explorer walked as a reader walks it, in Debian's Chromium through
Playwright, over the seed data: filter by a facet, open a transfer, follow a
quote to its highlighted passage, see the flows drawn from the filtered
data, page through; axe-core on every page (no serious or critical
violation), no script error and no Content-Security-Policy violation.

A screenshot of each page is kept in ARTIFACTS_DIR (tests/artifacts by
default, not committed) for a person to look at."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from tests.browser import artifact, chromium
from transfers.models import Transfer, TransferIntermediary

SERIOUS = {"serious", "critical"}


class Reader:
    """A page with its watchers: script errors, CSP reports, axe results."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text and self.errors.append(message.text[:200])
            ),
        )

    def goto(self, path):
        response = self.page.goto(f"{self.base_url}{path}")
        assert response.status == 200, path
        return response

    def check(self, name):
        """axe-core on the page as it is, and a screenshot of it."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        serious = [
            f"{violation['id']} ({violation['impact']}): "
            + "; ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation["impact"] in SERIOUS
        ]
        self.page.screenshot(path=str(artifact(f"explorer-{name}.png")), full_page=True)
        assert serious == [], f"{name}: {serious}"
        assert self.errors == [], f"{name}: {self.errors}"


@pytest.fixture
def seed(transactional_db):
    call_command("load_seed", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_reader_walks_from_a_facet_to_the_quoted_passage(live_server, seed):
    # Read from the database first: Playwright's loop forbids it inside.
    russian = Transfer.objects.filter(supplier__slug="russia").count()
    s300 = Transfer.objects.select_related("system").get(slug="russia-iran-s-300")
    claims = s300.status_events.count()
    with chromium() as browser:
        reader = Reader(browser.new_page(viewport={"width": 1280, "height": 900}), live_server.url)
        page = reader.page
        reader.goto("/")
        # The facets arrive after the page (htmx), with their counts.
        supplier_facet = page.locator("#facet-supplier + ul a", has_text="Russia")
        supplier_facet.wait_for()
        reader.check("register")

        supplier_facet.click()
        page.wait_for_url(re.compile(r"supplier=russia"))
        assert page.locator("#results-heading").inner_text().startswith(f"{russian} transfer")
        suppliers = page.locator("table.register tbody tr td:first-child").all_inner_texts()
        assert suppliers and set(suppliers) == {"Russia"}
        page.locator("#facet-supplier + ul a.active").wait_for()

        page.locator(f'table.register a[href="/transfers/{s300.slug}/"]').click()
        page.wait_for_url(f"**/transfers/{s300.slug}/")
        assert page.locator("li.claim").count() == claims
        reader.check("transfer")

        passage = page.locator("a.passage").first
        citation_id = passage.get_attribute("href").rsplit("#citation-", 1)[1]
        passage.click()
        page.wait_for_url(re.compile(rf"/sources/[^/]+/#citation-{citation_id}$"))
        # The passage is the page's target: highlighted apart from the others,
        # and scrolled into view.
        target = page.locator(f"#citation-{citation_id} + mark.cited")
        assert target.is_visible()
        assert target.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 210, 77)"
        other = page.locator("mark.cited").filter(has_not=page.locator(f"#citation-{citation_id}"))
        assert other.count() == 0 or other.first.evaluate(
            "el => getComputedStyle(el).backgroundColor"
        ) in ("rgb(255, 241, 168)", "rgb(255, 210, 77)")
        box = target.bounding_box()
        assert box and box["y"] + box["height"] > 0 and box["y"] < 900  # in view
        reader.check("source")

        page.locator("header.site a", has_text="Register").click()
        page.locator("table.register a[href^='/actors/']").first.click()
        page.locator("svg.bars rect.bar").first.wait_for()
        reader.check("actor")
        page.locator("table, ul.transfers").first.wait_for()
        reader.goto(f"/systems/{s300.system.slug}/")
        reader.check("system")


@pytest.mark.django_db(transaction=True)
def test_the_flows_are_drawn_from_the_filtered_data(live_server, seed):
    via = TransferIntermediary.objects.select_related("transfer__supplier", "actor").first()
    supplier = via.transfer.supplier
    expected = sorted(
        (row["recipient__name"], row["n"])
        for row in Transfer.objects.filter(supplier=supplier)
        .values("recipient__name")
        .annotate(n=Count("pk"))
        .order_by()
    )
    intermediary = via.actor.name
    with chromium() as browser:
        reader = Reader(browser.new_page(viewport={"width": 1280, "height": 900}), live_server.url)
        page = reader.page
        reader.goto(f"/flows/?supplier={supplier.slug}")
        bands = page.locator("svg.sankey path.flow")
        drawn = sorted(
            (band.get_attribute("data-recipient"), int(band.get_attribute("data-transfers")))
            for band in bands.all()
        )
        assert drawn == expected
        for band in bands.all():
            box = band.bounding_box()  # drawn, not only present
            assert box and box["width"] > 50
        # Thicker bands for more transfers.
        widths = {
            int(band.get_attribute("data-transfers")): float(band.get_attribute("stroke-width"))
            for band in bands.all()
        }
        assert [widths[n] for n in sorted(widths)] == sorted(widths.values())
        # The path through the intermediary is drawn as its legs, to a node of its own.
        assert page.locator("svg.network line.edge.via").count() >= 2
        node = page.locator("svg.network circle.intermediary")
        assert node.count() >= 1 and node.first.bounding_box()["width"] > 0
        assert intermediary in page.locator("svg.network").text_content()
        reader.check("flows")


@pytest.mark.django_db(transaction=True)
def test_a_reader_pages_through_the_register(live_server, seed):
    total = Transfer.objects.count()
    with chromium() as browser:
        reader = Reader(browser.new_page(viewport={"width": 1280, "height": 900}), live_server.url)
        page = reader.page
        reader.goto("/?page_size=8&ordering=supplier")
        seen = []
        while True:
            seen += page.locator("table.register td:nth-child(4) a").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
            following = page.locator("a[rel=next]")
            if not following.count():
                break
            following.click()
            page.wait_for_load_state()
        assert len(seen) == len(set(seen)) == total
        reader.check("register-last-page")


@pytest.mark.django_db(transaction=True)
def test_the_register_fits_a_phone_and_works_without_javascript(live_server, seed):
    first_page = min(Transfer.objects.count(), 50)
    with chromium() as browser:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, java_script_enabled=False
        )
        reader = Reader(context.new_page(), live_server.url)
        page = reader.page
        reader.goto("/")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px screen"
        assert page.locator("table.register tbody tr").count() == first_page
        # Without a script the facets are a link, and the form still filters.
        page.locator("#facets a").click()
        page.locator("#facet-stage").wait_for()
        page.go_back()
        page.select_option("#q-stage", "agreed")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_url(re.compile(r"stage=agreed"))
        stages = page.locator("table.register td:nth-child(4)").all_inner_texts()
        assert stages and set(stages) == {"Agreed (order, contract or decision to supply)"}
        page.screenshot(path=str(artifact("explorer-register-phone.png")), full_page=True)
        context.close()
    with chromium() as browser:
        reader = Reader(browser.new_page(viewport={"width": 390, "height": 844}), live_server.url)
        reader.goto("/transfers/russia-iran-s-300/")
        assert reader.page.evaluate("document.documentElement.scrollWidth") <= 390
        reader.check("transfer-phone")
