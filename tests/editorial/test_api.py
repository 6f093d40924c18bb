"""Change history, restore, merge redirects and the deletions feed, over the API."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from actors.factories import ActorFactory
from actors.models import Actor
from editorial.services import actor_merge
from tests import helpers as support
from tests.helpers import API
from transfers.factories import CitationFactory, StatusEventFactory, TransferFactory
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


def _documented(russia, iran, s300):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300, quantity=4)
    event = StatusEventFactory(transfer=transfer, stage="agreed")
    CitationFactory(transfer=transfer, status_event=event)
    return transfer


def test_api_writes_are_in_the_history_with_user_reason_and_changes(editor):
    created = editor.post(
        f"{API}/actors/",
        {"name": "Wagner Group", "slug": "wagner", "kind": "pmc", "country": "RU"},
        format="json",
        HTTP_X_CHANGE_REASON="Named in the CNAS article",
    )
    assert created.status_code == 201, created.json()
    actor_id = created.json()["id"]
    changed = editor.patch(f"{API}/actors/{actor_id}/", {"aliases": ["Wagner PMC"]}, format="json")
    assert changed.status_code == 200, changed.json()

    history = staff_client().get(f"{API}/actors/wagner/history/").json()["results"]
    assert [version["type"] for version in history] == ["changed", "created"]
    assert history[0]["user"] == history[1]["user"] == "editor"
    assert history[0]["changes"] == [{"field": "aliases", "old": [], "new": ["Wagner PMC"]}]
    assert history[1]["change_reason"] == "Named in the CNAS article"


def staff_client():
    return support.token_client(User.objects.create_user("a-staff-member", is_staff=True))


def test_only_staff_see_who_made_a_change(editor, api_client, viewer):
    body = {"name": "Wagner Group", "slug": "wagner", "kind": "pmc", "country": "RU"}
    assert editor.post(f"{API}/actors/", body, format="json").status_code == 201
    url = f"{API}/actors/wagner/history/"
    for reader in (api_client, viewer, editor):
        (version,) = reader.get(url).json()["results"]
        assert version["user"] is None
        assert (version["type"], bool(version["date"])) == ("created", True)
        assert b'"editor"' not in reader.get(url).content
    (version,) = staff_client().get(url).json()["results"]
    assert version["user"] == "editor"


def test_the_schema_says_who_sees_the_editor(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    user = schema["components"]["schemas"]["Version"]["properties"]["user"]
    assert user["nullable"] is True
    assert "staff only" in user["description"]


def test_history_is_readable_by_anyone_and_after_deletion(api_client, russia, iran, s300):
    transfer = _documented(russia, iran, s300)
    transfer_id = transfer.pk
    transfer.delete()
    response = api_client.get(f"{API}/transfers/{transfer_id}/history/")
    assert response.status_code == 200
    types = [version["type"] for version in response.json()["results"]]
    assert types[0] == "deleted" and types[-1] == "created"
    assert api_client.get(f"{API}/transfers/999999/history/").status_code == 404


def test_an_editor_restores_a_deleted_transfer(editor, api_client, viewer, russia, iran, s300):
    transfer = _documented(russia, iran, s300)
    transfer_id = transfer.pk
    transfer.delete()

    assert api_client.post(f"{API}/transfers/{transfer_id}/restore/").status_code == 401
    assert viewer.post(f"{API}/transfers/{transfer_id}/restore/").status_code == 403
    response = editor.post(f"{API}/transfers/{transfer_id}/restore/")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["id"], body["stage"], body["quantity"]) == (transfer_id, "agreed", 4)
    assert len(body["status_history"]) == 1 and len(body["citations"]) == 1
    again = editor.post(f"{API}/transfers/{transfer_id}/restore/")
    assert again.status_code == 409
    assert editor.post(f"{API}/transfers/999999/restore/").status_code == 404


def test_restoring_needs_add_on_the_parts_it_brings_back(russia, iran, s300):
    from django.contrib.auth.models import Permission, User

    transfer = _documented(russia, iran, s300)
    transfer_id = transfer.pk
    transfer.delete()
    user = User.objects.create_user("transfers-only")
    user.user_permissions.set(Permission.objects.filter(codename="add_transfer"))
    response = support.token_client(user).post(f"{API}/transfers/{transfer_id}/restore/")
    assert response.status_code == 403, response.json()
    assert not Transfer.objects.filter(pk=transfer_id).exists()


def test_a_merged_actors_old_id_redirects_writes_too(editor, russia):
    duplicate = ActorFactory(name="Russian Federation", slug="russian-federation", country="RU")
    old_id = duplicate.pk
    actor_merge(keep=russia, duplicate=duplicate)
    response = editor.patch(f"{API}/actors/{old_id}/", {"description": "x"}, format="json")
    assert response.status_code == 308
    assert response["Location"].endswith(f"/actors/{russia.pk}/")
    history = editor.get(f"{API}/actors/russian-federation/history/")
    assert history.status_code == 308
    assert history["Location"].endswith(f"/actors/{russia.pk}/history/")


def test_the_deletions_feed_lists_what_is_gone_since_a_moment(api_client, russia, iran, s300):
    before = timezone.now() - datetime.timedelta(seconds=1)
    gone = _documented(russia, iran, s300)
    gone_id = gone.pk
    gone.delete()
    restored = _documented(russia, iran, s300)
    restored_id = restored.pk
    restored.delete()
    Transfer.history.filter(id=restored_id, history_type="-").latest().instance.save()
    duplicate = ActorFactory(name="Persia", slug="persia", country="IR")
    duplicate_id = duplicate.pk
    actor_merge(keep=iran, duplicate=duplicate)

    response = api_client.get(f"{API}/deleted/", {"since": before.isoformat()})
    assert response.status_code == 200
    entries = {(entry["type"], entry["id"]): entry for entry in response.json()["results"]}
    assert ("transfer", gone_id) in entries
    assert ("transfer", restored_id) not in entries
    assert entries[("actor", duplicate_id)]["merged_into"] == iran.pk
    assert entries[("actor", duplicate_id)]["slug"] == "persia"
    assert (
        "status-event",
        gone.status_events.model.history.filter(transfer_id=gone_id).first().id,
    ) in entries

    only_actors = api_client.get(f"{API}/deleted/", {"since": before.isoformat(), "type": "actor"})
    assert {entry["type"] for entry in only_actors.json()["results"]} == {"actor"}
    later = api_client.get(f"{API}/deleted/", {"since": timezone.now().isoformat()})
    assert later.json()["results"] == []
    assert Actor.objects.filter(pk=duplicate_id).exists() is False


def test_a_deleted_actor_relation_is_in_the_deletions_feed(api_client, irgc):
    before = timezone.now() - datetime.timedelta(seconds=1)
    relation = irgc.relations.get()
    relation_id = relation.pk
    relation.delete()
    response = api_client.get(
        f"{API}/deleted/", {"since": before.isoformat(), "type": "actor-relation"}
    )
    assert response.status_code == 200, response.json()
    assert [(e["type"], e["id"]) for e in response.json()["results"]] == [
        ("actor-relation", relation_id)
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "since"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-01T00:00:00Z", "type": "weapon"}, "type"),
    ],
)
def test_the_deletions_feed_rejects_bad_parameters(api_client, params, field):
    response = api_client.get(f"{API}/deleted/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_intermediaries_written_through_the_api_are_in_the_history(editor, russia, iran, s300):
    from transfers.models import TransferIntermediary

    transfer = _documented(russia, iran, s300)
    syria = ActorFactory(name="Syria", slug="syria", country="SY")
    response = editor.patch(
        f"{API}/transfers/{transfer.pk}/", {"intermediaries": ["syria"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    link = TransferIntermediary.objects.get(transfer=transfer)
    assert link.actor == syria
    assert TransferIntermediary.history.filter(id=link.pk, history_type="+").exists()


# Found at 200,000 transfers: `deleted/?since=2000-01-01` took 2.9 s with
# nothing deleted: it read every version of every record, and loaded every
# deletion for each page. It reads a partial index of deletions now, at most
# a bounded number of them.


def test_the_deletions_feed_reads_a_bounded_number_of_deletions(api_client, monkeypatch):
    from common.api import pagination
    from editorial.api import views as deletions_feed

    for module in (deletions_feed, pagination):
        monkeypatch.setattr(module, "COUNT_LIMIT", 5)
        monkeypatch.setattr(module, "MAX_PAGE_DEPTH", 5)
    before = timezone.now() - datetime.timedelta(seconds=1)
    transfers = TransferFactory.create_batch(7)
    ids = [transfer.pk for transfer in transfers]
    for transfer in transfers:
        transfer.delete()
    url, params = f"{API}/deleted/", {"since": before.isoformat(), "type": "transfer"}
    first = api_client.get(url, {**params, "page_size": 1}).json()
    assert (first["count"], first["count_is_exact"]) == (5, False)
    seen = [
        api_client.get(url, {**params, "page_size": 1, "page": n}).json()["results"][0]["id"]
        for n in range(1, 6)
    ]
    assert seen == ids[:5]
    assert api_client.get(url, {**params, "page_size": 1, "page": 6}).status_code == 400


def test_the_deletions_feed_costs_the_same_queries_however_much_was_deleted(api_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    before = timezone.now() - datetime.timedelta(seconds=1)
    params = {"since": before.isoformat()}

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_client.get(f"{API}/deleted/", params).status_code == 200
        return len(captured)

    TransferFactory().delete()
    queries()  # the content types are cached after the first read
    one = queries()
    for transfer in TransferFactory.create_batch(6):
        transfer.delete()
    # The merges, and the deletions of every tracked type in one UNION ALL,
    # whatever their number and however many types there are.
    assert one == 2
    assert queries() == one
    assert api_client.get(f"{API}/deleted/", params).json()["count"] >= 7


@pytest.mark.postgres
@pytest.mark.skipif(
    "not __import__('django.db').db.connection.vendor == 'postgresql'",
    reason="reads the query plan of PostgreSQL",
)
def test_the_deletions_feed_reads_the_deletions_index():
    from django.db import connection

    with connection.cursor() as cursor:
        # On a table this small a sequential scan is cheaper; forbid it to
        # see that the index can serve the feed.
        cursor.execute("SET LOCAL enable_seqscan = off")
    since = timezone.now() - datetime.timedelta(days=10000)
    plan = (
        Transfer.history.filter(history_type="-", history_date__gte=since)
        .order_by("history_date", "id")[:10]
        .explain()
    )
    assert "h_transfer_deleted" in plan
