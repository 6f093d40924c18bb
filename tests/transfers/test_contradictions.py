"""Contradictions: the record and its rules, the detection of citations for
and against one status event on every write path (API, admin, deletes,
restores, fixture loads), the API's endpoint and the audit's count."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.admin.forms import form_data
from tests.helpers import API, documented_transfer, token_client
from transfers import contradictions
from transfers.audit import run_audit
from transfers.choices import ContradictionKind, ContradictionState, Stance
from transfers.factories import (
    CitationFactory,
    ContradictionFactory,
    StatusEventFactory,
    TransferFactory,
)
from transfers.models import Citation, Contradiction, Transfer
from transfers.restore import transfer_restore

pytestmark = pytest.mark.django_db


@pytest.fixture
def contested():
    """A status event with one citation for it and one against it."""
    event = StatusEventFactory()
    supporting = CitationFactory(transfer=event.transfer, status_event=event)
    contradicting = CitationFactory(
        transfer=event.transfer, status_event=event, stance=Stance.CONTRADICTS
    )
    return event, supporting, contradicting


def _detected(event):
    return Contradiction.objects.filter(detected=True, status_events=event)


# --- the record ------------------------------------------------------------------


def test_a_resolved_contradiction_needs_a_resolution_and_a_time_in_the_database():
    contradiction = ContradictionFactory()
    for fields in (
        {"state": ContradictionState.RESOLVED},
        {"state": ContradictionState.RESOLVED, "resolution": "The later report stands."},
        {"resolution": "Said while open."},
        {"resolved_at": timezone.now()},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Contradiction.objects.filter(pk=contradiction.pk).update(**fields)
    Contradiction.objects.filter(pk=contradiction.pk).update(
        state=ContradictionState.RESOLVED, resolution="Settled.", resolved_at=timezone.now()
    )


def test_clean_names_the_resolution_field():
    contradiction = ContradictionFactory.build(
        transfer=TransferFactory(), state=ContradictionState.RESOLVED
    )
    with pytest.raises(ValidationError) as error:
        contradiction.full_clean()
    assert "resolution" in error.value.message_dict


def test_resolving_through_the_service_sets_who_and_when_and_reopening_clears_them():
    editor = User.objects.create_user("resolver")
    contradiction = ContradictionFactory()
    contradiction.state = ContradictionState.RESOLVED
    contradiction.resolution = "The contract's text settles it."
    contradictions.contradiction_save(contradiction, user=editor)
    contradiction.refresh_from_db()
    assert contradiction.resolved_by == editor
    assert contradiction.resolved_at is not None
    contradiction.state = ContradictionState.OPEN
    contradictions.contradiction_save(contradiction, user=editor)
    contradiction.refresh_from_db()
    assert (contradiction.resolution, contradiction.resolved_by, contradiction.resolved_at) == (
        "",
        None,
        None,
    )
    assert contradiction.history.count() == 3


def test_links_must_be_the_transfers_own_and_stance_needs_one():
    transfer = TransferFactory()
    other = CitationFactory()
    with pytest.raises(ValidationError) as error:
        contradictions.contradiction_save(
            Contradiction(transfer=transfer, kind=ContradictionKind.OTHER, description="x"),
            citations=[other],
        )
    assert "citations" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        contradictions.contradiction_save(
            Contradiction(transfer=transfer, kind=ContradictionKind.STANCE, description="x")
        )
    assert "citations" in error.value.message_dict
    assert not Contradiction.objects.exists()


# --- detection -------------------------------------------------------------------


def test_citations_for_and_against_one_event_open_one_detected_contradiction(contested):
    event, supporting, contradicting = contested
    (record,) = _detected(event)
    assert record.kind == ContradictionKind.STANCE
    assert record.state == ContradictionState.OPEN
    assert record.transfer_id == event.transfer_id
    assert set(record.citations.all()) == {supporting, contradicting}
    assert "1 citation supports" in record.description
    # More evidence on either side updates the one record; it adds none.
    CitationFactory(transfer=event.transfer, status_event=event, stance=Stance.CONTRADICTS)
    assert _detected(event).count() == 1
    assert _detected(event).get().citations.count() == 3


@pytest.mark.parametrize("stance", [s for s in Stance.values if s != Stance.CONTRADICTS])
def test_any_stance_but_contradicts_counts_as_support(stance):
    # Hedged support too, once there is such a stance: the rule reads no
    # list of supporting stances, only "contradicts" is against.
    event = StatusEventFactory()
    CitationFactory(transfer=event.transfer, status_event=event, stance=stance)
    CitationFactory(transfer=event.transfer, status_event=event, stance=Stance.CONTRADICTS)
    assert _detected(event).get().state == ContradictionState.OPEN


def test_citations_on_different_events_or_on_no_event_are_not_detected():
    transfer = TransferFactory()
    first, second = StatusEventFactory(transfer=transfer), StatusEventFactory(transfer=transfer)
    CitationFactory(transfer=transfer, status_event=first)
    CitationFactory(transfer=transfer, status_event=second, stance=Stance.CONTRADICTS)
    CitationFactory(transfer=transfer, stance=Stance.CONTRADICTS)
    assert not Contradiction.objects.exists()


def test_a_conflict_that_goes_closes_its_record_and_one_that_returns_reopens_it(contested):
    event, _supporting, contradicting = contested
    contradicting.stance = Stance.SUPPORTS
    contradicting.save()
    record = _detected(event).get()
    assert record.state == ContradictionState.RESOLVED
    assert record.resolution.startswith("No longer holds:")
    assert record.resolved_by is None and record.resolved_at is not None
    contradicting.stance = Stance.CONTRADICTS
    contradicting.save()
    record.refresh_from_db()
    assert record.state == ContradictionState.OPEN
    assert (record.resolution, record.resolved_at) == ("", None)
    assert _detected(event).count() == 1


def test_deleting_a_citation_closes_the_record(contested):
    event, supporting, _contradicting = contested
    supporting.delete()
    record = _detected(event).get()
    assert record.state == ContradictionState.RESOLVED
    assert "no supporting citation" in record.resolution


def test_moving_a_citation_to_another_event_follows_both_events(contested):
    event, _supporting, contradicting = contested
    other = StatusEventFactory(transfer=event.transfer)
    CitationFactory(transfer=event.transfer, status_event=other)
    contradicting.status_event = other
    contradicting.save()
    assert _detected(event).get().state == ContradictionState.RESOLVED
    assert _detected(other).get().state == ContradictionState.OPEN


def test_an_editors_resolution_stands_when_more_evidence_comes(contested):
    event, _supporting, _contradicting = contested
    record = _detected(event).get()
    record.state, record.resolution = ContradictionState.RESOLVED, "The denial was retracted."
    contradictions.contradiction_save(record, user=User.objects.create_user("e"))
    CitationFactory(transfer=event.transfer, status_event=event, stance=Stance.CONTRADICTS)
    record.refresh_from_db()
    assert record.state == ContradictionState.RESOLVED
    assert record.resolution == "The denial was retracted."
    assert record.citations.count() == 3


def test_deleting_the_event_deletes_its_detected_record_and_not_an_entered_one(contested):
    event, supporting, _contradicting = contested
    StatusEventFactory(transfer=event.transfer)  # the transfer keeps an event
    entered = ContradictionFactory(transfer=event.transfer, status_events=[event])
    event.delete()
    assert not Contradiction.objects.filter(detected=True).exists()
    assert Contradiction.objects.filter(pk=entered.pk).exists()
    assert Contradiction.history.filter(history_type="-", detected=True).count() == 1


def test_deleting_the_transfer_deletes_its_contradictions_and_a_restore_finds_them_again(
    contested,
):
    event, _supporting, _contradicting = contested
    transfer_id = event.transfer_id
    Transfer.objects.get(pk=transfer_id).delete()
    assert not Contradiction.objects.exists()
    transfer_restore(transfer_id=transfer_id)
    record = Contradiction.objects.get()
    assert record.detected and record.state == ContradictionState.OPEN
    assert record.citations.count() == 2


def test_a_second_detected_record_for_one_event_is_removed_at_the_next_check(contested):
    event, _supporting, _contradicting = contested
    first = _detected(event).get()
    twin = ContradictionFactory(
        transfer=event.transfer, kind=ContradictionKind.STANCE, status_events=[event]
    )
    Contradiction.objects.filter(pk=twin.pk).update(detected=True)
    assert contradictions.refresh_event(event.pk) == first
    assert list(_detected(event)) == [first]


def test_batched_checks_each_event_once_at_the_end():
    event = StatusEventFactory()
    with contradictions.batched():
        for _ in range(3):
            CitationFactory(transfer=event.transfer, status_event=event)
        CitationFactory(transfer=event.transfer, status_event=event, stance=Stance.CONTRADICTS)
        assert not Contradiction.objects.exists()
    assert _detected(event).get().citations.count() == 4


def test_detect_all_finds_what_raw_saves_skipped_once():
    event = StatusEventFactory()
    CitationFactory(transfer=event.transfer, status_event=event)
    CitationFactory(transfer=event.transfer, status_event=event, stance=Stance.CONTRADICTS)
    Contradiction.objects.all().delete()
    assert contradictions.detect_all() == 1
    assert contradictions.detect_all() == 1
    assert _detected(event).count() == 1


def test_load_seed_runs_the_detection(monkeypatch):
    calls = []
    monkeypatch.setattr(contradictions, "detect_all", lambda: calls.append(1) or 0)
    call_command("load_seed", verbosity=0)
    assert calls == [1]


# --- the API ---------------------------------------------------------------------


@pytest.fixture
def staff_editor(db):
    from editorial.management.commands.create_editor import editors_group

    user = User.objects.create_user("staff-editor", is_staff=True)
    user.groups.add(editors_group())
    return user, token_client(user)


def test_citations_written_through_the_api_are_detected(editor):
    transfer = documented_transfer()
    event = transfer.status_events.order_by("-id").first()
    source = transfer.citations.first().source
    response = editor.post(
        f"{API}/citations/",
        {
            "source": source.slug,
            "status_event": event.pk,
            "quote": "The ministry denied any such deal.",
            "stance": "contradicts",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    listed = editor.get(f"{API}/contradictions/", {"state": "open"}).json()["results"]
    assert [item["detected"] for item in listed] == [True]
    assert listed[0]["transfer"]["id"] == transfer.pk
    assert response.json()["id"] in [c["id"] for c in listed[0]["citations"]]
    assert editor.delete(response.json()["url"]).status_code == 204
    assert not editor.get(f"{API}/contradictions/", {"state": "open"}).json()["results"]
    assert editor.get(f"{API}/contradictions/", {"state": "resolved"}).json()["count"] == 1


def test_an_editor_records_resolves_and_reopens_one(staff_editor):
    user, client = staff_editor
    transfer = documented_transfer()
    citation = transfer.citations.first()
    created = client.post(
        f"{API}/contradictions/",
        {
            "transfer": transfer.slug,
            "kind": "quantity",
            "description": "One report says 12 launchers, another 24.",
            "citations": [citation.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["resolved_by"], body["detected"]) == ("open", None, False)
    url = body["url"]
    refused = client.patch(url, {"state": "resolved"}, format="json")
    assert refused.status_code == 400
    assert "resolution" in refused.json()
    resolved = client.patch(
        url, {"state": "resolved", "resolution": "The contract says 24."}, format="json"
    )
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["resolved_by"] == user.username
    assert resolved.json()["resolved_at"]
    # Who resolved it is shown to staff only, as in the history.
    assert client.get(url).json()["resolved_by"] == user.username
    assert APIClient().get(url).json()["resolved_by"] is None
    reopened = client.patch(url, {"state": "open"}, format="json")
    assert reopened.status_code == 200
    assert (reopened.json()["resolution"], reopened.json()["resolved_at"]) == ("", None)


def test_bad_links_are_400s_with_field_messages(editor):
    transfer = documented_transfer()
    elsewhere = CitationFactory()
    base = {"transfer": transfer.pk, "kind": "other", "description": "Disagree."}
    response = editor.post(
        f"{API}/contradictions/", {**base, "citations": [elsewhere.pk]}, format="json"
    )
    assert response.status_code == 400
    assert "another transfer" in json.dumps(response.json()["citations"])
    response = editor.post(f"{API}/contradictions/", {**base, "kind": "stance"}, format="json")
    assert response.status_code == 400 and "citations" in response.json()
    response = editor.post(f"{API}/contradictions/", {**base, "detected": True}, format="json")
    assert response.status_code == 201
    assert response.json()["detected"] is False
    response = editor.post(f"{API}/contradictions/", {**base, "kind": "nonsense"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()


def test_a_detected_ones_links_are_the_rules(editor, contested):
    event, supporting, _contradicting = contested
    url = f"{API}/contradictions/{_detected(event).get().pk}/"
    response = editor.patch(url, {"citations": [supporting.pk]}, format="json")
    assert response.status_code == 400 and "citations" in response.json()
    response = editor.patch(url, {"kind": "other"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()
    response = editor.patch(
        url, {"state": "resolved", "resolution": "The denial came first."}, format="json"
    )
    assert response.status_code == 200


def test_a_detected_record_deleted_with_its_event_is_in_the_deletions_feed(api_client, contested):
    event, _supporting, _contradicting = contested
    before = timezone.now()
    record_id = _detected(event).get().pk
    StatusEventFactory(transfer=event.transfer)
    event.delete()
    response = api_client.get(
        f"{API}/deleted/", {"since": before.isoformat(), "type": "contradiction"}
    )
    assert [entry["id"] for entry in response.json()["results"]] == [record_id]


def test_the_list_filters(api_client, contested):
    event, _supporting, _contradicting = contested
    entered = ContradictionFactory(kind=ContradictionKind.VALUE)

    def ids(**params):
        response = api_client.get(f"{API}/contradictions/", params)
        assert response.status_code == 200, response.json()
        return [item["id"] for item in response.json()["results"]]

    detected = _detected(event).get().pk
    assert ids() == [detected, entered.pk]
    assert ids(detected="true") == [detected]
    assert ids(detected="false") == [entered.pk]
    assert ids(kind="value") == [entered.pk]
    assert ids(state="resolved") == []
    assert ids(transfer=entered.transfer.slug) == [entered.pk]
    assert ids(transfer_id=event.transfer_id) == [detected]
    assert api_client.get(f"{API}/contradictions/", {"state": "shut"}).status_code == 400
    assert api_client.get(f"{API}/contradictions/", {"transfer": "nope"}).status_code == 400


# --- the admin -------------------------------------------------------------------


def _admin_form(admin_client, url, form_id="contradiction_form"):
    return form_data(admin_client.get(url).content.decode(), form_id)


def test_citations_entered_in_the_admin_are_detected_and_deleted_there_closes(admin_client):
    event = StatusEventFactory()
    CitationFactory(transfer=event.transfer, status_event=event)
    url = reverse("admin:transfers_statusevent_change", args=[event.pk])
    data = form_data(admin_client.get(url).content.decode(), "statusevent_form")
    source = CitationFactory().source
    data.update(
        {
            "citations-1-source": [str(source.pk)],
            "citations-1-quote": ["Officials denied it."],
            "citations-1-stance": ["contradicts"],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    record = _detected(event).get()
    assert record.state == ContradictionState.OPEN
    denial = Citation.objects.get(quote="Officials denied it.")
    delete = reverse("admin:transfers_citation_delete", args=[denial.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    record.refresh_from_db()
    assert record.state == ContradictionState.RESOLVED


def test_resolving_in_the_admin_sets_who_and_when(admin_client, admin_user):
    contradiction = ContradictionFactory()
    url = reverse("admin:transfers_contradiction_change", args=[contradiction.pk])
    data = _admin_form(admin_client, url)
    data["state"] = ["resolved"]
    data["resolution"] = [""]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "needs its resolution" in response.content.decode()
    data["resolution"] = ["The later report corrects the first."]
    assert admin_client.post(url, data).status_code == 302
    contradiction.refresh_from_db()
    assert contradiction.state == ContradictionState.RESOLVED
    assert contradiction.resolved_by == admin_user
    assert contradiction.resolved_at is not None


def test_the_admin_refuses_a_citation_of_another_transfer(admin_client):
    transfer = TransferFactory()
    elsewhere = CitationFactory()
    url = reverse("admin:transfers_contradiction_add")
    data = _admin_form(admin_client, url)
    data.update(
        {
            "transfer": [str(transfer.pk)],
            "kind": ["stage"],
            "state": ["open"],
            "description": ["Delivered in 2016, yet cancelled in 2015."],
            "citations": [str(elsewhere.pk)],
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "is about another transfer" in response.content.decode()
    assert not Contradiction.objects.exists()
    data["citations"] = []
    assert admin_client.post(url, data).status_code == 302
    assert Contradiction.objects.get().kind == ContradictionKind.STAGE


def test_the_admin_list_filters_by_state(admin_client, contested):
    ContradictionFactory(description="An entered one.")
    url = reverse("admin:transfers_contradiction_changelist")
    assert admin_client.get(url, {"state__exact": "open"}).context["cl"].result_count == 2
    assert admin_client.get(url, {"state__exact": "resolved"}).context["cl"].result_count == 0
    page = admin_client.get(url, {"detected__exact": "0", "q": "entered"})
    assert page.context["cl"].result_count == 1


# --- the audit -------------------------------------------------------------------


def test_the_audit_lists_and_counts_open_contradictions(contested):
    resolved = ContradictionFactory()
    resolved.state, resolved.resolution = ContradictionState.RESOLVED, "Settled."
    contradictions.contradiction_save(resolved)
    event, _supporting, _contradicting = contested
    found = [f for f in run_audit() if f.check == "open_contradiction"]
    assert [f.object_id for f in found] == [_detected(event).get().pk]
    out = StringIO()
    with pytest.raises(CommandError):  # the entered one's transfer is uncited: errors
        call_command("audit_data", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["summary"]["open_contradictions"] == 1
