"""The public explorer, read without an account over the seed data: every
page answers, the register gives what the API's list gives for the same
query, bad queries are the API's 400s, and the evidence is one click away."""

import re
from io import StringIO

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL
from django.test import Client

from actors.models import Actor
from explorer import views
from sources.models import Source
from transfers.models import Citation, Transfer, TransferIntermediary

HREF = re.compile(r'href="([^"]+)"')


@pytest.fixture
def seed(db):
    call_command("load_seed", stdout=StringIO())


@pytest.fixture
def reader():
    return Client()


def _register_slugs(html: str) -> list[str]:
    return re.findall(r'href="/transfers/([^/"]+)/"', html)


def _api_slugs(client, query: dict) -> list[str]:
    response = client.get("/api/v1/transfers/", {**query, "page_size": 500})
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"supplier": "russia"},
        {"recipient": "iran", "stage": "agreed"},
        {"stage": ["agreed", "delivered"]},
        {"search": "S-300"},
        {"min_credibility": "3"},
        {"year_from": "2021", "year_to": "2022"},
        {"ordering": "-start_date"},
        {"party": "hezbollah"},
    ],
)
def test_the_register_lists_what_the_api_lists_for_the_same_query(seed, reader, query):
    response = reader.get("/", {**query, "page_size": 500})
    assert response.status_code == 200
    listed = _register_slugs(response.content.decode())
    assert listed  # each query matches some of the seed
    assert listed == _api_slugs(reader, query)
    if query == {}:
        assert len(listed) == Transfer.objects.count()


def test_the_register_pages_by_cursor_through_every_transfer(seed, reader):
    seen, url = [], "/?page_size=7"
    while url:
        response = reader.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        seen += _register_slugs(html)
        following = re.search(r'<a rel="next" href="([^"]+)"', html)
        url = following and following.group(1).replace("&amp;", "&")
        if url:
            assert "cursor=" in url and url.startswith("/?")
    assert len(seen) == len(set(seen)) == Transfer.objects.count()


def test_the_register_links_to_the_same_query_as_csv_json_and_api(seed, reader):
    html = reader.get("/", {"supplier": "russia", "stage": "agreed"}).content.decode()
    links = [link.replace("&amp;", "&") for link in HREF.findall(html)]
    csv = next(link for link in links if link.startswith("/api/v1/exports/trade-register.csv"))
    api = next(
        link for link in links if link.startswith("/api/v1/transfers/?") and "format" not in link
    )
    assert "supplier=russia" in csv and "stage=agreed" in csv and "all_stages=true" in csv
    exported = reader.get(csv)
    assert exported.status_code == 200
    rows = b"".join(exported.streaming_content).decode().strip().splitlines()
    expected = Transfer.objects.filter(supplier__slug="russia", stage="agreed").count()
    assert len(rows) - 1 == expected
    assert reader.get(api).json()["count"] == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ({"supplier": "narnia"}, "supplier"),
        ({"stage": "imagined"}, "stage"),
        ({"year_from": "soon"}, "year_from"),
        ({"page": "0"}, "page"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"min_credibility": "9"}, "min_credibility"),
    ],
)
def test_a_bad_query_is_a_400_with_the_apis_message(seed, reader, query, field):
    page = reader.get("/", query)
    api = reader.get("/api/v1/transfers/", query)
    assert page.status_code == api.status_code == 400
    message = api.json()[field][0] if field in api.json() else None
    html = page.content.decode()
    assert f"<strong>{field}</strong>" in html
    if message:
        from django.utils.html import escape

        assert escape(message) in html


def test_the_facets_count_the_matching_transfers(seed, reader):
    html = reader.get("/facets/", {"stage": "agreed"}).content.decode()
    expected = (
        Transfer.objects.filter(stage="agreed")
        .values("supplier__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "supplier__name")
    )
    supplier_block = html.split('id="facet-supplier"')[1].split("</section>")[0]
    shown = re.findall(r">([^<]+)</a> <span class=\"count\">(\d+)</span>", supplier_block)
    assert [(name, int(n)) for name, n in shown] == [
        (r["supplier__name"], r["n"]) for r in expected
    ]
    # Each value narrows the register to itself, keeping the query.
    first_link = re.search(r'href="(/\?[^"]+)"', supplier_block).group(1).replace("&amp;", "&")
    assert "stage=agreed" in first_link and "supplier=" in first_link


def test_the_facets_come_as_a_fragment_to_htmx_and_as_a_page_without_it(seed, reader):
    fragment = reader.get("/facets/", headers={"HX-Request": "true"}).content.decode()
    page = reader.get("/facets/").content.decode()
    assert "<html" not in fragment and 'id="facet-stage"' in fragment
    assert "<html" in page and 'id="facet-stage"' in page
    # The register asks for them with its own query, and links to them.
    register = reader.get("/", {"supplier": "russia"}).content.decode()
    assert 'hx-get="/facets/?supplier=russia"' in register
    assert 'href="/facets/?supplier=russia"' in register


def test_a_transfer_page_shows_every_claim_and_quote_with_its_passage(seed, reader):
    transfer = Transfer.objects.get(slug="russia-iran-s-300")
    html = reader.get(f"/transfers/{transfer.slug}/").content.decode()
    from django.utils.html import escape

    for event in transfer.status_events.all():
        assert f'id="event-{event.pk}"' in html
    for citation in transfer.citations.select_related("source"):
        assert escape(citation.quote) in html
        if citation.anchor_state == "anchored":
            assert f'href="/sources/{citation.source.slug}/#citation-{citation.pk}"' in html
    assert transfer.contradictions.exists()
    assert "Contradictions" in html


def test_a_transfer_page_names_its_intermediaries_and_their_roles(seed, reader):
    link = TransferIntermediary.objects.select_related("transfer", "actor").first()
    html = reader.get(f"/transfers/{link.transfer.slug}/").content.decode()
    assert f'href="/actors/{link.actor.slug}/"' in html
    assert f"({link.role})" in html


def test_the_source_page_highlights_every_anchored_passage(seed, reader):
    source = (
        Source.objects.filter(texts__isnull=False).annotate(n=Count("citations")).order_by("-n")[0]
    )
    html = reader.get(f"/sources/{source.slug}/").content.decode()
    document = source.current_text
    for citation in Citation.objects.filter(source=source, document=document):
        assert f'id="citation-{citation.pk}"' in html
        # The anchor sits just before the highlight that begins the passage.
        after = html.split(f'id="citation-{citation.pk}" class="anchor"></span>')[1]
        assert re.match(
            r'(<span id="citation-\d+" class="anchor"></span>)*<mark class="cited"', after
        )
    text = re.sub(r"<[^>]+>", "", html.split('<div class="text">')[1].split("</div>")[0])
    from html import unescape

    assert unescape(text) == document.text


def test_the_actor_page_charts_its_partners_and_years(seed, reader):
    russia = Actor.objects.get(slug="russia")
    html = reader.get("/actors/russia/").content.decode()
    partners = (
        Transfer.objects.filter(supplier=russia)
        .values("recipient__name")
        .annotate(n=Count("pk"))
        .order_by("recipient__name")
    )
    chart = html.split('id="partners-supplied-title"')[1].split("</svg>")[0]
    drawn = [int(v) for v in re.findall(r'class="bar"[^>]*data-value="(\d+)"', chart)]
    assert drawn == [row["n"] for row in partners]
    assert 'href="/?supplier=russia&amp;recipient=' in chart


def test_the_flows_page_draws_the_filtered_flows(seed, reader):
    html = reader.get("/flows/", {"recipient": "iran"}).content.decode()
    expected = (
        Transfer.objects.filter(recipient__slug="iran")
        .values("supplier__name")
        .annotate(n=Count("pk"))
    )
    bands = re.findall(
        r'<path class="flow"[^>]*data-supplier="([^"]+)" '
        r'data-recipient="([^"]+)" data-transfers="(\d+)"',
        html,
    )
    assert sorted((s, int(n)) for s, r, n in bands) == sorted(
        (e["supplier__name"], e["n"]) for e in expected
    )
    assert all(r == "Iran" for _, r, _ in bands)


def test_the_network_draws_a_path_through_an_intermediary_as_its_legs(seed, reader):
    link = TransferIntermediary.objects.select_related("transfer__supplier", "actor").first()
    html = reader.get("/flows/", {"supplier": link.transfer.supplier.slug}).content.decode()
    assert re.search(r'<line class="edge via"', html)
    assert 'class="actor intermediary"' in html
    assert link.actor.name in html


def test_pages_answer_anonymous_readers_and_refuse_writes(seed, reader):
    transfer = Transfer.objects.first()
    pages = [
        "/",
        "/flows/",
        "/facets/",
        f"/transfers/{transfer.slug}/",
        f"/transfers/{transfer.pk}/",
        f"/actors/{transfer.supplier.slug}/",
        f"/systems/{transfer.system.slug}/",
        f"/sources/{Source.objects.first().slug}/",
    ]
    for url in pages:
        response = reader.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # The Content-Security-Policy allows no inline style or script.
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert "Edit in the admin" not in html
        assert reader.post(url).status_code == 405, url
    assert reader.get("/transfers/no-such-transfer/").status_code == 404
    # A null character no record can have: not found, not a database error.
    for kind in ("transfers", "actors", "systems", "sources"):
        assert reader.get(f"/{kind}/a%00b/").status_code == 404, kind


def test_an_editor_gets_an_edit_link_a_viewer_does_not(seed):
    transfer = Transfer.objects.first()
    editor = User.objects.create_user("ed", password="x", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_transfer"))
    viewer = User.objects.create_user("vi", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_transfer"))
    for user, shown in ((editor, True), (viewer, False)):
        client = Client()
        client.force_login(user)
        html = client.get(f"/transfers/{transfer.slug}/").content.decode()
        assert (f'href="/admin/transfers/transfer/{transfer.pk}/change/"' in html) is shown


def test_the_forms_empty_fields_are_dropped_from_the_shared_url(seed, reader):
    response = reader.get("/?search=&stage=agreed&category=&year_from=&ordering=")
    assert response.status_code == 302
    assert response["Location"] == "/?stage=agreed"
    assert reader.get("/flows/?category=")["Location"] == "/flows/"


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the facets' time limit is PostgreSQL's"
)


@postgresql_only
def test_a_facet_that_cannot_count_in_time_is_given_up_and_the_rest_still_reads(seed):
    budget = views.TimeBudget(200)
    slow = Transfer.objects.annotate(pause=RawSQL("pg_sleep(1)", [])).values("pk", "pause")[:1]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        (before,) = cursor.fetchone()
    assert budget.rows(slow) is None
    # Spent: the next facet is not tried. A new request's budget reads on.
    assert budget.rows(Transfer.objects.values("pk")[:1]) is None
    assert views.TimeBudget(5000).rows(Transfer.objects.values("pk")[:1])
    # Neither the canceled nor the finished count leaves its limit behind.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == (before,)
    # The canceled statement's transaction is rolled back: the request reads on.
    assert Transfer.objects.count() > 0


@postgresql_only
def test_the_facets_say_so_when_the_counts_would_take_too_long(seed, reader, monkeypatch):
    monkeypatch.setattr(views, "FACETS_TIME_LIMIT_MS", 0)
    html = reader.get("/facets/", {"stage": "agreed"}).content.decode()
    assert html.count("Too many matches to count in time") == 7
    monkeypatch.setattr(views, "FACETS_TIME_LIMIT_MS", 5000)
    html = reader.get("/facets/", {"stage": "agreed"}).content.decode()
    assert "Too many matches to count in time" not in html
