"""Writes racing each other on PostgreSQL: the derived status, the history,
deletions, merges, restores and generated slugs stay true whatever the
interleaving, and a lost race is a 4xx that says so, never a 500.

Each test starts real threads, each with its own database connection, at
one barrier, so their transactions overlap for real (SQLite serialises
writers on its file lock, so these run on PostgreSQL only).
"""

import random
import threading

import pytest
from django.contrib.auth.models import Permission, User
from django.db import OperationalError, connection, connections, transaction

from actors.factories import ActorFactory
from actors.models import Actor
from common.api.exceptions import api_exception_handler
from common.concurrency import ConcurrentChange
from editorial.services import actor_merge, system_merge
from tests import helpers as support
from tests.helpers import API
from transfers.choices import Stage
from transfers.factories import StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import StatusEvent, System, Transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

STATUSES = [Stage.UNDER_DISCUSSION, Stage.REQUESTED, Stage.AGREED]


def run_together(*calls):
    """Run each call in its own thread, all released at once; their results
    (or the exception each raised), in order."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test to judge
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing write hung"
    return outcomes


@pytest.fixture
def editor_client(db):
    """An editor's API client that answers an unhandled error with its 500
    page, as a server would, instead of raising it into the test."""
    user = User.objects.create_user("race-editor")
    codenames = [
        f"{action}_{model}"
        for model in support.EDITED_MODELS
        for action in ("add", "change", "delete")
    ]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    client = support.token_client(user)
    client.raise_request_exception = False
    return client


def status_mismatches():
    """Transfers whose stored status is not the status of their latest event."""
    wrong = []
    for transfer in Transfer.objects.all():
        latest = transfer.latest_status_event()
        if latest is not None and latest.stage != transfer.stage:
            wrong.append((transfer.pk, transfer.stage, latest.stage))
    return wrong


HISTORY_FIELDS = [
    "slug",
    "supplier_id",
    "recipient_id",
    "system_id",
    "transfer_type",
    "stage",
    "quantity",
    "quantity_max",
    "quantity_is_estimate",
    "package_id",
    "condition",
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "notes",
]


def newest_version_lies(transfer_id):
    """The fields where the transfer's newest history row differs from its row."""
    stored = Transfer.objects.filter(pk=transfer_id).values(*HISTORY_FIELDS).first()
    newest = Transfer.history.filter(id=transfer_id).order_by("-history_id").first()
    if stored is None or newest is None:
        return {}
    return {
        field: (getattr(newest, field), stored[field])
        for field in HISTORY_FIELDS
        if getattr(newest, field) != stored[field]
    }


def _event_post(client, transfer_id, rng):
    body = {
        "transfer": transfer_id,
        "stage": rng.choice(STATUSES),
        "date": str(rng.randint(2000, 2024)),
    }
    return lambda: client.post(f"{API}/status-events/", body, format="json")


# --- section 3: the derived status under concurrent event writes -----------------


def test_racing_event_writes_leave_the_status_of_the_latest_event(editor_client):
    """100 trials of six overlapping event writes on one transfer (three
    creates, two updates, one delete): every write answers 2xx and the
    status is the latest event's, every time."""
    rng = random.Random(12)
    trials, mismatches, failures = 100, [], []
    for _trial in range(trials):
        transfer = TransferFactory()
        events = [
            StatusEventFactory(transfer=transfer, stage=rng.choice(STATUSES)) for _ in range(3)
        ]
        calls = [_event_post(editor_client, transfer.pk, rng) for _ in range(3)]
        for event in events[:2]:
            body = {"stage": rng.choice(STATUSES), "date": str(rng.randint(2000, 2024))}
            calls.append(
                lambda event=event, body=body: editor_client.patch(
                    f"{API}/status-events/{event.pk}/", body, format="json"
                )
            )
        calls.append(
            lambda event=events[2]: editor_client.delete(f"{API}/status-events/{event.pk}/")
        )
        for response in run_together(*calls):
            if getattr(response, "status_code", 500) >= 300:
                failures.append(getattr(response, "content", response))
        mismatches.extend(status_mismatches())
        Transfer.objects.filter(pk=transfer.pk).delete()
    print(f"status mismatches: {len(mismatches)} of {trials} trials")
    assert failures == []
    assert mismatches == []


def test_a_merge_racing_event_posts_leaves_the_status_of_the_latest_event(editor_client):
    rng = random.Random(3)
    mismatches = []
    for _trial in range(20):
        keep, duplicate = ActorFactory(), ActorFactory()
        transfer = TransferFactory(supplier=duplicate)
        StatusEventFactory(transfer=transfer)
        outcomes = run_together(
            lambda keep=keep, duplicate=duplicate: actor_merge(keep=keep, duplicate=duplicate),
            _event_post(editor_client, transfer.pk, rng),
            _event_post(editor_client, transfer.pk, rng),
        )
        assert isinstance(outcomes[0], Actor), outcomes[0]
        assert [response.status_code for response in outcomes[1:]] == [201, 201]
        mismatches.extend(status_mismatches())
        assert newest_version_lies(transfer.pk) == {}
    assert mismatches == []


def test_two_events_deleted_at_once_never_leave_a_transfer_without_one(editor_client):
    for _trial in range(20):
        transfer = TransferFactory()
        events = [StatusEventFactory(transfer=transfer) for _ in range(2)]
        responses = run_together(
            *[
                lambda event=event: editor_client.delete(f"{API}/status-events/{event.pk}/")
                for event in events
            ]
        )
        assert sorted(response.status_code for response in responses) == [204, 409]
        assert StatusEvent.objects.filter(transfer=transfer).count() == 1
    assert status_mismatches() == []


# --- section 2: history records only what was stored ------------------------------


def test_a_quantity_patch_racing_an_event_post_leaves_a_true_history(editor_client):
    rng = random.Random(2)
    lies = {}
    for trial in range(30):
        transfer = TransferFactory(quantity=None)
        StatusEventFactory(transfer=transfer, stage=Stage.UNDER_DISCUSSION)
        patch, post = run_together(
            lambda transfer=transfer, trial=trial: editor_client.patch(
                f"{API}/transfers/{transfer.pk}/", {"quantity": trial + 1}, format="json"
            ),
            _event_post(editor_client, transfer.pk, rng),
        )
        assert (patch.status_code, post.status_code) == (200, 201), (patch.content, post.content)
        transfer.refresh_from_db()
        assert transfer.quantity == trial + 1
        if found := newest_version_lies(transfer.pk):
            lies[trial] = found
    print(f"newest history row differs from the stored row: {len(lies)} of 30 trials")
    assert lies == {}
    assert status_mismatches() == []


# --- section 7: lost races are 4xx that say so ------------------------------------


def test_deleting_a_transfer_while_an_event_is_posted_is_never_a_500(editor_client):
    rng = random.Random(7)
    answers = []
    for _trial in range(30):
        transfer = TransferFactory()
        StatusEventFactory(transfer=transfer)
        post, delete = run_together(
            _event_post(editor_client, transfer.pk, rng),
            lambda transfer=transfer: editor_client.delete(f"{API}/transfers/{transfer.pk}/"),
        )
        assert delete.status_code == 204, delete.content
        answers.append(post.status_code)
        if post.status_code == 409:
            assert "deleted" in post.json()["detail"]
        elif post.status_code == 400:
            assert "transfer" in post.json()
        assert not Transfer.objects.filter(pk=transfer.pk).exists()
        assert not StatusEvent.objects.filter(transfer_id=transfer.pk).exists()
    assert set(answers) <= {201, 400, 409}, answers


@pytest.mark.parametrize("direction", ["same", "opposite"])
def test_concurrent_merges_of_one_pair_let_one_win_and_tell_the_others(direction):
    for _trial in range(10):
        first, second = ActorFactory(), ActorFactory()
        TransferFactory(supplier=second)
        pairs = [(first, second)] * 3
        if direction == "opposite":
            pairs = [(first, second), (second, first), (first, second)]
        outcomes = run_together(
            *[
                lambda keep=keep, duplicate=duplicate: actor_merge(keep=keep, duplicate=duplicate)
                for keep, duplicate in pairs
            ]
        )
        won = [outcome for outcome in outcomes if isinstance(outcome, Actor)]
        lost = [outcome for outcome in outcomes if not isinstance(outcome, Actor)]
        assert len(won) == 1, outcomes
        assert all(isinstance(outcome, ConcurrentChange) for outcome in lost), lost
        assert all("merged or deleted" in " ".join(outcome.messages) for outcome in lost)
        assert Actor.objects.filter(pk__in=[first.pk, second.pk]).count() == 1


def test_concurrent_system_merges_let_one_win_and_tell_the_others():
    for _trial in range(10):
        keep, duplicate = SystemFactory(), SystemFactory()
        TransferFactory(system=duplicate)
        outcomes = run_together(
            *[
                lambda keep=keep, duplicate=duplicate: system_merge(keep=keep, duplicate=duplicate)
                for _ in range(3)
            ]
        )
        assert sum(isinstance(outcome, System) for outcome in outcomes) == 1, outcomes
        assert all(isinstance(outcome, System | ConcurrentChange) for outcome in outcomes), outcomes


def test_a_lost_merge_in_the_admin_is_a_message_not_a_500(admin_user):
    from django.test import Client

    for _trial in range(5):
        keep, duplicate = ActorFactory(), ActorFactory()
        clients = []
        for _ in range(3):
            client = Client(raise_request_exception=False)
            client.force_login(admin_user)
            clients.append(client)
        data = {
            "action": "merge_selected",
            "_selected_action": [keep.pk, duplicate.pk],
            "keep": keep.pk,
        }
        responses = run_together(
            *[
                lambda client=client, data=data: client.post(
                    "/admin/actors/actor/", data, follow=True
                )
                for client in clients
            ]
        )
        assert [response.status_code for response in responses] == [200, 200, 200]
        texts = [response.content.decode() for response in responses]
        assert sum("Merged “" in text for text in texts) == 1
        assert Actor.objects.filter(pk__in=[keep.pk, duplicate.pk]).count() == 1


def test_concurrent_restores_restore_once(editor_client):
    answers = []
    for _trial in range(20):
        transfer = TransferFactory()
        StatusEventFactory(transfer=transfer, stage=Stage.AGREED)
        transfer_id = transfer.pk
        transfer.delete()
        responses = run_together(
            *[
                lambda transfer_id=transfer_id: editor_client.post(
                    f"{API}/transfers/{transfer_id}/restore/"
                )
                for _ in range(3)
            ]
        )
        codes = sorted(response.status_code for response in responses)
        answers.append(codes)
        assert codes == [201, 409, 409], [r.content for r in responses]
        assert all(
            "nothing to restore" in response.json()["detail"]
            for response in responses
            if response.status_code == 409
        )
        restored = Transfer.history.filter(
            id=transfer_id, history_change_reason__startswith="Restored", history_type="+"
        )
        assert restored.count() == 1
        assert StatusEvent.objects.filter(transfer_id=transfer_id).count() == 1
        assert Transfer.objects.get(pk=transfer_id).stage == Stage.AGREED


# --- section 9: generated slugs under concurrency ---------------------------------


def test_concurrent_creates_without_a_slug_all_succeed(editor_client, russia, iran, s300):
    body = {
        "supplier": "russia",
        "recipient": "iran",
        "system": "s-300",
        "start_date": "2016",
    }
    codes, slugs = [], []
    for _trial in range(5):
        responses = run_together(
            *[
                lambda: editor_client.post(f"{API}/transfers/", body, format="json")
                for _ in range(6)
            ]
        )
        codes.extend(response.status_code for response in responses)
        slugs.extend(response.json().get("slug") for response in responses)
    assert codes == [201] * 30, [c for c in codes if c != 201]
    assert len(set(slugs)) == 30
    assert "russia-iran-s-300-2016" in slugs and "russia-iran-s-300-2016-30" in slugs


def test_a_sent_slug_that_is_taken_meanwhile_is_still_refused(editor_client, russia, iran, s300):
    body = {"supplier": "russia", "recipient": "iran", "system": "s-300", "slug": "the-deal"}
    responses = run_together(
        *[lambda: editor_client.post(f"{API}/transfers/", body, format="json") for _ in range(4)]
    )
    codes = sorted(response.status_code for response in responses)
    assert codes[0] == 201 and set(codes[1:]) <= {400, 409}, codes
    assert Transfer.objects.filter(slug="the-deal").count() == 1
    assert Transfer.objects.filter(slug__startswith="the-deal-").count() == 0


def test_a_deadlock_that_postgresql_breaks_is_a_409_for_the_loser():
    """The safety net under the lock order: should two writes still wait on
    each other in a circle, the one PostgreSQL rolls back gets a 409."""
    first, second = ActorFactory(), ActorFactory()
    barrier = threading.Barrier(2)

    def lock_both(order):
        with transaction.atomic():
            for index, actor in enumerate(order):
                Actor.objects.select_for_update().get(pk=actor.pk)
                if index == 0:
                    barrier.wait(timeout=30)
        return "locked"

    outcomes = run_together(lambda: lock_both([first, second]), lambda: lock_both([second, first]))

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], OperationalError), outcomes
    response = api_exception_handler(errors[0], {})
    assert response.status_code == 409
    assert "collided" in response.data["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "changes"), [(Stage.UNDER_DISCUSSION, False), (Stage.AGREED, True)]
)
def test_an_event_write_locks_its_transfer_once(stage, changes):
    """The event locks the transfer and the status is derived on that row:
    it used to be locked again to refresh the status, and a third time (with
    the status derived a second time) when the status changed."""
    from django.test.utils import CaptureQueriesContext

    transfer = TransferFactory()
    StatusEventFactory(transfer=transfer, stage=Stage.UNDER_DISCUSSION)
    with CaptureQueriesContext(connection) as queries:
        StatusEventFactory(transfer=transfer, stage=stage)
    locks = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1, locks
    transfer.refresh_from_db()
    assert transfer.stage == stage
    assert transfer.history.filter(stage=Stage.AGREED).exists() == changes
