"""Analytics endpoints: flows, network and actor profile."""

import datetime
import json
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command

from actors.factories import ActorFactory
from tests.helpers import API, results
from transfers.factories import TransferFactory
from transfers.models import Transfer, TransferIntermediary

pytestmark = pytest.mark.django_db

FLOWS = f"{API}/flows/"


@pytest.fixture
def seed(db):
    call_command("load_seed", verbosity=0)


def counted():
    """What flows, the network and profiles count by default: transfers that
    reached agreement (agreed or a later stage of supply)."""
    return Transfer.objects.filter(reached_agreement=True).select_related(
        "supplier", "recipient", "system"
    )


def expected_flows(transfers, per_year=False):
    """Flows counted in Python, independently of the SQL aggregate."""
    counts, known, unknown = Counter(), defaultdict(int), Counter()
    for t in transfers:
        key = (t.supplier.slug, t.recipient.slug)
        if per_year:
            key += (t.start_date.year if t.start_date else None,)
        counts[key] += 1
        if t.quantity is None:
            unknown[key] += 1
        else:
            known[key] += t.quantity
    return {key: (counts[key], known[key], unknown[key]) for key in counts}


def flows_by_key(rows, per_year=False):
    out = {}
    for row in rows:
        key = (row["supplier"]["slug"], row["recipient"]["slug"])
        if per_year:
            key += (row["year"],)
        out[key] = (row["transfers"], row["known_quantity"], row["unknown_quantity"])
    return out


# --- flows ------------------------------------------------------------------------


ALL = {"all_stages": "true"}


def test_flows_match_counts_made_from_the_seed(api_client, seed):
    rows = results(api_client.get(FLOWS, {"page_size": 500}))
    assert rows, "some of the seed's transfers reached agreement"
    assert flows_by_key(rows) == expected_flows(counted())
    assert sum(row["transfers"] for row in rows) == counted().count() < Transfer.objects.count()
    every = results(api_client.get(FLOWS, {"page_size": 500, **ALL}))
    everything = Transfer.objects.select_related("supplier", "recipient")
    assert flows_by_key(every) == expected_flows(everything)
    assert sum(row["transfers"] for row in every) == Transfer.objects.count()


def test_flows_take_a_minimum_credibility(api_client, seed):
    for grade in range(1, 7):
        rows = results(api_client.get(FLOWS, {"page_size": 500, "min_credibility": grade}))
        assert flows_by_key(rows) == expected_flows(counted().filter(credibility__lte=grade))
    response = api_client.get(FLOWS, {"min_credibility": "7"})
    assert response.status_code == 400 and "min_credibility" in response.json()


def test_flows_of_reached_agreement_false_are_the_others(api_client, seed):
    rows = results(api_client.get(FLOWS, {"page_size": 500, "reached_agreement": "false"}))
    others = Transfer.objects.filter(reached_agreement=False).select_related(
        "supplier", "recipient"
    )
    assert flows_by_key(rows) == expected_flows(others)
    response = api_client.get(FLOWS, {"all_stages": "maybe"})
    assert response.status_code == 400 and "all_stages" in response.json()


def test_flows_per_year_group_by_start_year(api_client, seed):
    rows = results(api_client.get(FLOWS, {"per_year": "true", "page_size": 500, **ALL}))
    everything = Transfer.objects.select_related("supplier", "recipient")
    assert flows_by_key(rows, per_year=True) == expected_flows(everything, per_year=True)
    assert all("year" in row for row in rows)


def test_flows_honour_the_transfer_list_filters(api_client, seed):
    params = {"supplier": "russia", "stage": "under_discussion", "page_size": 500}
    rows = results(api_client.get(FLOWS, {**params, **ALL}))
    listed = results(api_client.get(f"{API}/transfers/", params))
    narrowed = Transfer.objects.filter(pk__in=[t["id"] for t in listed]).select_related(
        "supplier", "recipient"
    )
    assert rows, "the seed has reported Russian transfers"
    assert flows_by_key(rows) == expected_flows(narrowed)
    assert sum(row["transfers"] for row in rows) < Transfer.objects.count()
    assert {row["supplier"]["slug"] for row in rows} == {"russia"}


def test_flows_count_unknown_quantities_apart(api_client):
    first = TransferFactory(quantity=10)
    TransferFactory(supplier=first.supplier, recipient=first.recipient, quantity=5)
    TransferFactory(supplier=first.supplier, recipient=first.recipient, quantity=None)
    [row] = results(api_client.get(FLOWS, ALL))
    assert (row["transfers"], row["known_quantity"], row["unknown_quantity"]) == (3, 15, 1)


@pytest.mark.parametrize(
    "params",
    [{"stage": "bogus"}, {"year_from": "abc"}, {"supplier": "no-such-actor"}, {"per_year": "x"}],
)
def test_flows_reject_a_bad_filter_with_400(api_client, params):
    response = api_client.get(FLOWS, params)
    assert response.status_code == 400
    assert set(params) <= set(response.json())


def test_flows_pages_count_flows_not_transfers(api_client):
    pairs = [TransferFactory() for _ in range(3)]
    for transfer in pairs:
        TransferFactory.create_batch(2, supplier=transfer.supplier, recipient=transfer.recipient)
    body = api_client.get(FLOWS, {"page_size": 2, **ALL}).json()
    assert (body["count"], body["count_is_exact"]) == (3, True)
    assert {row["transfers"] for row in body["results"]} == {3}


@pytest.mark.parametrize("n", [2, 30])
def test_flows_query_count_is_flat(n, api_client, django_assert_num_queries):
    TransferFactory.create_batch(n)
    with django_assert_num_queries(2):  # the page, then its count
        response = api_client.get(FLOWS, {"page_size": n - 1, **ALL})
    assert len(results(response)) == n - 1
    assert response.json()["count"] == n


# --- network ----------------------------------------------------------------------

NETWORK = f"{API}/network/"


def download(response) -> bytes:
    assert response.status_code == 200, response
    return b"".join(response.streaming_content)


def network(client, params=None) -> dict:
    """The JSON network, which is streamed (built whole, the network of
    200,000 transfers was 50 MB and held a worker at 353 MB)."""
    response = client.get(NETWORK, params or {})
    assert response.streaming
    assert response["Content-Type"] == "application/json"
    return json.loads(download(response))


def test_network_json_has_actors_as_nodes_and_transfers_as_edges(api_client, seed):
    assert {edge["id"] for edge in network(api_client)["edges"]} == {t.pk for t in counted()}
    body = network(api_client, ALL)
    transfers = Transfer.objects.all()
    assert len(body["edges"]) == transfers.count()
    parties = set(transfers.values_list("supplier", flat=True)) | set(
        transfers.values_list("recipient", flat=True)
    )
    assert {node["id"] for node in body["nodes"]} == parties
    edge = body["edges"][0]
    transfer = Transfer.objects.select_related("system").get(pk=edge["id"])
    assert (edge["source"], edge["target"]) == (transfer.supplier_id, transfer.recipient_id)
    assert (edge["stage"], edge["system"]) == (transfer.stage, transfer.system.slug)
    assert edge["start_year"] == (transfer.start_date.year if transfer.start_date else None)


def test_network_honours_the_filters(api_client, seed):
    body = network(api_client, {"recipient": "iran", **ALL})
    assert body["edges"]
    assert len(body["edges"]) == Transfer.objects.filter(recipient__slug="iran").count()
    iran = Transfer.objects.filter(recipient__slug="iran").values_list("recipient", flat=True)[0]
    assert {edge["target"] for edge in body["edges"]} == {iran}
    assert len(body["nodes"]) < len(network(api_client, ALL)["nodes"])


@pytest.mark.parametrize("fmt,reader", [("graphml", "read_graphml"), ("gexf", "read_gexf")])
def test_network_files_open_in_networkx(api_client, seed, tmp_path, fmt, reader):
    nx = pytest.importorskip("networkx")
    response = api_client.get(NETWORK, {"format": fmt, **ALL})
    assert f"transfers.{fmt}" in response["Content-Disposition"]
    path = tmp_path / f"network.{fmt}"
    path.write_bytes(download(response))
    graph = getattr(nx, reader)(path)
    assert graph.is_directed()
    direct = [data for _s, _t, data in graph.edges(data=True) if not data["via"]]
    assert len(direct) == Transfer.objects.count()
    transfer = Transfer.objects.select_related("supplier", "recipient", "system").first()
    source, target = f"actor-{transfer.supplier_id}", f"actor-{transfer.recipient_id}"
    edges = graph.get_edge_data(source, target)
    edges = edges.values() if graph.is_multigraph() else [edges]
    assert transfer.slug in {data["transfer"] for data in edges}
    assert {data["stage"] for data in edges} >= {transfer.stage}
    name = graph.nodes[source].get("name") or graph.nodes[source].get("label")
    assert name == transfer.supplier.name


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_files_honour_the_filters(api_client, seed, fmt):
    everything = download(api_client.get(NETWORK, {"format": fmt, **ALL}))
    narrowed = download(api_client.get(NETWORK, {"format": fmt, "supplier": "iran", **ALL}))
    direct = narrowed.count(b"<edge ") - narrowed.count(b"-via-")
    assert direct == Transfer.objects.filter(supplier__slug="iran").count()
    assert narrowed.count(b"<edge ") < everything.count(b"<edge ")


@pytest.fixture
def through_syria(db):
    """A transfer brokered in Armenia and sent on through Syria, dated by month."""
    transfer = TransferFactory(
        start_date=datetime.date(2015, 3, 1),
        start_date_precision="month",
        end_date=datetime.date(2017, 2, 1),
        end_date_precision="month",
    )
    TransferIntermediary.objects.create(
        transfer=transfer, actor=ActorFactory(name="Armenia"), position=1, role="broker"
    )
    TransferIntermediary.objects.create(
        transfer=transfer, actor=ActorFactory(name="Syria"), position=2, role="transit"
    )
    TransferFactory(start_date=None, start_date_precision="")  # undated, direct
    return transfer


def intermediary_ids(transfer) -> list[str]:
    links = transfer.intermediary_links.order_by("position")
    return [f"actor-{link.actor_id}" for link in links]


@pytest.mark.parametrize("fmt,reader", [("graphml", "read_graphml"), ("gexf", "read_gexf")])
def test_network_files_have_intermediaries_as_nodes_and_their_path_as_via_edges(
    api_client, through_syria, tmp_path, fmt, reader
):
    nx = pytest.importorskip("networkx")
    path = tmp_path / f"network.{fmt}"
    path.write_bytes(download(api_client.get(NETWORK, {"format": fmt, **ALL})))
    graph = getattr(nx, reader)(path)
    transfer = through_syria
    supplier, recipient = f"actor-{transfer.supplier_id}", f"actor-{transfer.recipient_id}"
    armenia, syria = intermediary_ids(transfer)
    assert graph.nodes[armenia]["label"] == "Armenia"
    assert graph.nodes[supplier]["label"] == transfer.supplier.name

    legs = sorted(
        (data["path_step"], source, target, data.get("intermediary_role"))
        for source, target, data in graph.edges(data=True)
        if data["via"]
    )
    assert legs == [
        (1, supplier, armenia, "broker"),
        (2, armenia, syria, "transit"),
        (3, syria, recipient, None),
    ]
    between = graph.get_edge_data(supplier, recipient)
    between = between.values() if graph.is_multigraph() else [between]
    [direct] = [data for data in between if data["transfer"] == transfer.slug]
    assert direct["via"] is False and direct["label"] == transfer.system.designation
    assert all(data["weight"] == 1.0 for _s, _t, data in graph.edges(data=True))
    assert graph.number_of_edges() == 2 + 3  # two transfers, three legs


def test_the_gexf_is_dynamic_with_each_edge_spelled_by_its_dates(api_client, through_syria):
    from lxml import etree

    root = etree.fromstring(download(api_client.get(NETWORK, {"format": "gexf", **ALL})))
    ns = {"g": "http://www.gexf.net/1.2draft"}
    graph = root.find("g:graph", ns)
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    edges = {edge.get("id"): edge for edge in graph.iterfind("g:edges/g:edge", ns)}
    transfer = through_syria
    for key in (f"transfer-{transfer.pk}", f"transfer-{transfer.pk}-via-2"):
        # The first day of March 2015 to the last of February 2017.
        assert (edges[key].get("start"), edges[key].get("end")) == ("2015-03-01", "2017-02-28")
    undated = next(
        e for k, e in edges.items() if k != f"transfer-{transfer.pk}" and "-via-" not in k
    )
    assert undated.get("start") is None and undated.get("end") is None
    assert all(edge.get("weight") == "1.0" for edge in edges.values())


def test_the_json_network_keeps_to_the_parties(api_client, through_syria):
    body = network(api_client, ALL)
    assert len(body["edges"]) == 2
    assert not set(intermediary_ids(through_syria)) & {f"actor-{n['id']}" for n in body["nodes"]}


def test_network_escapes_names_in_xml(api_client, tmp_path):
    nx = pytest.importorskip("networkx")
    transfer = TransferFactory(supplier__name='A & B <"Ltd">')
    path = tmp_path / "n.graphml"
    path.write_bytes(download(api_client.get(NETWORK, {"format": "graphml", **ALL})))
    graph = nx.read_graphml(path)
    assert graph.nodes[f"actor-{transfer.supplier_id}"]["name"] == 'A & B <"Ltd">'


@pytest.mark.parametrize("fmt", ["json", "graphml", "gexf"])
def test_network_rejects_a_bad_filter_with_a_json_400(api_client, fmt):
    response = api_client.get(NETWORK, {"format": fmt, "year_to": "soon"})
    assert response.status_code == 400
    assert "year_to" in response.json()


@pytest.mark.parametrize("n", [1, 30])
def test_network_query_count_is_flat(n, api_client, django_assert_num_queries):
    TransferFactory.create_batch(n)
    with django_assert_num_queries(2):  # nodes, then edges
        body = network(api_client, ALL)
    assert len(body["edges"]) == n


@pytest.mark.postgres
def test_network_nodes_are_found_without_a_subplan_per_actor(api_client):
    """Found at a million transfers: `network/` was a 503 after the 30 s
    statement timeout. Its nodes were `id IN (suppliers) OR id IN
    (recipients)`, which PostgreSQL runs as a subplan per actor: hashed while
    the transfers fit in work_mem, then a scan of all of them per actor. One
    IN over a UNION is a single hash join at any size."""
    from transfers import aggregates

    TransferFactory.create_batch(3)
    plan = aggregates.network_nodes(Transfer.objects.all()).explain()
    assert "SubPlan" not in plan, plan
    assert len(network(api_client, ALL)["nodes"]) == 6


def test_network_json_streams_the_edges_in_pieces(api_client, monkeypatch):
    from transfers.exports import network_json

    monkeypatch.setattr(network_json, "NETWORK_CHUNK_SIZE", 2)
    TransferFactory.create_batch(5)
    response = api_client.get(NETWORK, ALL)
    pieces = list(response.streaming_content)
    assert len(pieces) == 1 + 3  # the nodes, then the edges two by two
    body = json.loads(b"".join(pieces))
    assert [edge["id"] for edge in body["edges"]] == sorted(
        Transfer.objects.values_list("pk", flat=True)
    )
    # No transfer matches: still one well-formed object.
    assert network(api_client, {"year_from": 9000}) == {"nodes": [], "edges": []}


# --- actor profile ----------------------------------------------------------------


def profile_url(actor):
    return f"{API}/actors/{actor}/profile/"


def test_profile_counts_what_an_actor_supplied_and_received(api_client, seed):
    body = api_client.get(profile_url("russia"), ALL).json()
    assert body["actor"]["slug"] == "russia"
    supplied = Transfer.objects.filter(supplier__slug="russia").select_related(
        "recipient", "system"
    )
    assert body["supplied"]["transfers"] == len(supplied)
    assert body["supplied"]["unknown_quantity"] == sum(t.quantity is None for t in supplied)
    assert body["supplied"]["known_quantity"] == sum(t.quantity or 0 for t in supplied)
    assert {p["actor"]["slug"]: p["transfers"] for p in body["supplied"]["by_partner"]} == dict(
        Counter(t.recipient.slug for t in supplied)
    )
    assert {c["category"]: c["transfers"] for c in body["supplied"]["by_category"]} == dict(
        Counter(t.system.category for t in supplied)
    )
    assert {y["year"]: y["transfers"] for y in body["supplied"]["by_year"]} == dict(
        Counter(t.start_date.year if t.start_date else None for t in supplied)
    )
    assert {s["system"]["slug"]: s["transfers"] for s in body["supplied"]["systems"]} == dict(
        Counter(t.system.slug for t in supplied)
    )
    received = Transfer.objects.filter(recipient__slug="russia").count()
    assert body["received"]["transfers"] == received
    by_default = api_client.get(profile_url("russia")).json()
    assert by_default["supplied"]["transfers"] == counted().filter(supplier__slug="russia").count()


def test_profile_counts_works_not_copies(api_client):
    from sources.factories import SourceFactory
    from transfers.factories import CitationFactory

    transfer = TransferFactory()
    original = SourceFactory()
    CitationFactory(transfer=transfer, source=original)
    CitationFactory(transfer=transfer, source=SourceFactory(copy_of=original))
    CitationFactory(transfer=transfer, source=SourceFactory())
    body = api_client.get(profile_url(transfer.supplier.slug), ALL).json()
    assert body["supplied"]["works_cited"] == 2


def test_profile_by_id_equals_profile_by_slug(api_client, seed):
    by_slug = api_client.get(profile_url("iran")).json()
    assert api_client.get(profile_url(by_slug["actor"]["id"])).json() == by_slug


def test_profile_honours_the_filters(api_client, seed):
    everything = api_client.get(profile_url("russia"), ALL).json()
    narrowed = api_client.get(profile_url("russia"), {"stage": "requested", **ALL}).json()
    assert (
        narrowed["supplied"]["transfers"]
        == Transfer.objects.filter(supplier__slug="russia", stage="requested").count()
    )
    assert 0 < narrowed["supplied"]["transfers"] < everything["supplied"]["transfers"]


def test_profile_of_an_unknown_actor_is_404_and_a_bad_filter_400(api_client, seed):
    assert api_client.get(profile_url("nobody")).status_code == 404
    response = api_client.get(profile_url("russia"), {"category": "lasers"})
    assert response.status_code == 400
    assert "category" in response.json()


@pytest.mark.parametrize("n", [1, 30])
def test_profile_query_count_is_flat(n, api_client, django_assert_num_queries):
    first = TransferFactory()
    TransferFactory.create_batch(n, supplier=first.supplier)
    # The actor, then six aggregates for each of the two roles.
    with django_assert_num_queries(13):
        body = api_client.get(profile_url(first.supplier.slug), ALL).json()
    assert body["supplied"]["transfers"] == n + 1
