"""The review queue (assistant.services, its admin and API): reading a
stored text into candidates, once; accepting writes the transfer, status
event and citation in one transaction, or adds evidence to the transfer the
database has; rejecting writes nothing and hides the candidate."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse

from actors.factories import ActorFactory
from assistant.models import Candidate, CandidateState, Reading
from assistant.services import candidate_accept, candidate_reject, read_document
from sources.factories import SourceTextFactory
from sources.services import source_text_add
from tests.helpers import API
from transfers.factories import SystemFactory, TransferFactory
from transfers.models import Citation, StatusEvent, Transfer

pytestmark = pytest.mark.django_db

TEXT = (
    "Belarus arms Sudan\n\n"
    "Belarus delivered twelve Su-25 aircraft to Sudan in March 2021, officials said.\n\n"
    "Belarus may also have sent spare parts.\n"
)
QUOTE = "Belarus delivered twelve Su-25 aircraft to Sudan in March 2021, officials said."


@pytest.fixture
def world():
    belarus = ActorFactory(name="Belarus", slug="belarus", country="BY")
    sudan = ActorFactory(name="Sudan", slug="sudan", country="SD")
    su25 = SystemFactory(designation="Su-25", slug="su-25")
    return belarus, sudan, su25


def candidate_for(version, *, supplier=None, recipient=None, system=None, stage="delivered"):
    reading, _ = Reading.objects.get_or_create(document=version)
    start = version.text.index(QUOTE)
    return Candidate.objects.create(
        reading=reading,
        key=f"k-{Candidate.objects.count()}",
        start=start,
        end=start + len(QUOTE),
        quote=QUOTE,
        supplier=supplier,
        recipient=recipient,
        system=system,
        stage=stage,
        attributed_to="officials",
    )


@pytest.fixture
def editor_user():
    return User.objects.create_superuser("reviewer")


def test_storing_a_text_reads_it_once(world):
    source = SourceTextFactory(text="Placeholder so the source exists.").source
    version, _ = source_text_add(source, TEXT)
    reading = Reading.objects.get(document=version)
    candidates = list(reading.candidates.all())
    assert candidates, "the assistant proposed nothing for a plain delivery sentence"
    for candidate in candidates:
        assert version.text[candidate.start : candidate.end] == candidate.quote
    keys = sorted(c.key for c in candidates)
    _, new = read_document(version)
    assert new == 0 and sorted(reading.candidates.values_list("key", flat=True)) == keys
    assert any(
        (c.supplier, c.recipient, c.system) == world and c.stage == "delivered" for c in candidates
    )


def test_accepting_writes_transfer_event_and_anchored_citation(world, editor_user):
    belarus, sudan, su25 = world
    version = SourceTextFactory(text=TEXT)
    candidate = candidate_for(version, supplier=belarus, recipient=sudan, system=su25)
    citation = candidate_accept(candidate, user=editor_user)
    transfer = Transfer.objects.get()
    assert (transfer.supplier, transfer.recipient, transfer.system, transfer.stage) == (
        belarus,
        sudan,
        su25,
        "delivered",
    )
    assert citation.status_event == transfer.status_events.get()
    assert (citation.document, citation.start, citation.quote) == (version, candidate.start, QUOTE)
    assert citation.attributed_to == "officials"
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.ACCEPTED and candidate.citation == citation
    assert candidate.reviewed_by == editor_user
    with pytest.raises(ValidationError):
        candidate_accept(candidate, user=editor_user)  # once only


def test_a_candidate_for_a_known_transfer_adds_evidence_not_a_twin(world, editor_user):
    belarus, sudan, su25 = world
    existing = TransferFactory(supplier=belarus, recipient=sudan, system=su25)
    events_before = existing.status_events.count()
    version = SourceTextFactory(text=TEXT)
    citation = candidate_accept(
        candidate_for(version, supplier=belarus, recipient=sudan, system=su25), user=editor_user
    )
    assert Transfer.objects.count() == 1 and citation.transfer == existing
    assert existing.status_events.count() == events_before + 1  # delivered, which it lacked
    again = candidate_for(version, supplier=belarus, recipient=sudan, system=su25)
    second = candidate_accept(again, user=editor_user)
    assert second.status_event == citation.status_event  # the same stage: the same event
    assert existing.status_events.count() == events_before + 1


def test_an_incomplete_candidate_is_refused_and_writes_nothing(world, editor_user):
    belarus, sudan, _su25 = world
    candidate = candidate_for(SourceTextFactory(text=TEXT), supplier=belarus, recipient=sudan)
    with pytest.raises(ValidationError) as refused:
        candidate_accept(candidate, user=editor_user)
    assert "system" in refused.value.message_dict
    assert not Transfer.objects.exists() and not Citation.objects.exists()
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.PENDING


def test_a_failure_part_way_rolls_everything_back(world, editor_user, monkeypatch):
    belarus, sudan, su25 = world
    candidate = candidate_for(
        SourceTextFactory(text=TEXT), supplier=belarus, recipient=sudan, system=su25
    )
    from transfers import services

    def broken(citation, **kwargs):
        raise ValidationError({"quote": "refused for the test"})

    monkeypatch.setattr(services, "citation_save", broken)
    with pytest.raises(ValidationError):
        candidate_accept(candidate, user=editor_user)
    assert not Transfer.objects.exists() and not StatusEvent.objects.exists()


def test_rejected_candidates_are_never_shown(world, editor_user, api_client):
    belarus, sudan, su25 = world
    version = SourceTextFactory(text=TEXT)
    kept = candidate_for(version, supplier=belarus, recipient=sudan, system=su25)
    gone = candidate_for(version, supplier=belarus, recipient=sudan, system=su25)
    candidate_reject(gone, user=editor_user, note="A duplicate.")
    listed = api_client.get(f"{API}/sources/{version.source.slug}/candidates/").json()
    assert [c["id"] for c in listed["results"]] == [kept.pk]
    assert api_client.get(f"{API}/candidates/{gone.pk}/").status_code == 404
    assert not Transfer.objects.exists()


def test_a_tool_feeds_an_article_in_and_reviews_over_the_api(world, editor):
    belarus, sudan, su25 = world
    created = editor.post(
        f"{API}/sources/", {"slug": "report", "kind": "news", "text": TEXT}, format="json"
    )
    assert created.status_code == 201, created.json()
    listed = editor.get(f"{API}/sources/report/candidates/").json()["results"]
    assert listed
    chosen = next(c for c in listed if c["stage"] == "delivered")
    fixed = editor.patch(
        f"{API}/candidates/{chosen['id']}/",
        {"supplier": "belarus", "recipient": "sudan", "system": "su-25"},
        format="json",
    )
    assert fixed.status_code == 200, fixed.json()
    accepted = editor.post(f"{API}/candidates/{chosen['id']}/accept/", {}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["state"] == "accepted"
    citation = Citation.objects.get(pk=accepted.json()["citation"])
    assert citation.quote == chosen["quote"] and citation.transfer.supplier == belarus
    again = editor.post(f"{API}/candidates/{chosen['id']}/accept/", {}, format="json")
    assert again.status_code == 400


def test_a_tool_syncs_the_candidates_a_review_changed(world, editor):
    belarus, sudan, su25 = world
    version = SourceTextFactory(text=TEXT)
    corrected = candidate_for(version)
    untouched = candidate_for(version)
    Candidate.objects.update(updated="2020-01-01T00:00:00Z")
    fixed = editor.patch(
        f"{API}/candidates/{corrected.pk}/", {"supplier": "belarus"}, format="json"
    )
    assert fixed.status_code == 200, fixed.json()
    synced = editor.get(f"{API}/candidates/", {"updated_since": "2021-01-01T00:00:00Z"}).json()
    assert [c["id"] for c in synced["results"]] == [corrected.pk]
    everything = editor.get(f"{API}/candidates/", {"updated_since": "2019-12-31T00:00:00Z"})
    assert {c["id"] for c in everything.json()["results"]} == {corrected.pk, untouched.pk}
    # An id that is not a number names no candidate: 404, not a format error.
    assert editor.get(f"{API}/candidates/0.5/").status_code == 404


def test_a_reader_cannot_review(world, viewer, api_client):
    version = SourceTextFactory(text=TEXT)
    candidate = candidate_for(version)
    for client, code in ((api_client, 401), (viewer, 403)):
        assert client.post(f"{API}/candidates/{candidate.pk}/accept/", {}).status_code == code
        assert client.post(f"{API}/candidates/{candidate.pk}/reject/", {}).status_code == code
        assert client.patch(f"{API}/candidates/{candidate.pk}/", {}).status_code == code
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.PENDING


def test_the_admin_review_accepts_with_the_corrections(world, client):
    belarus, sudan, su25 = world
    client.force_login(User.objects.create_superuser("admin-reviewer"))
    candidate = candidate_for(SourceTextFactory(text=TEXT), supplier=belarus, recipient=sudan)
    url = reverse("admin:assistant_candidate_change", args=[candidate.pk])
    page = client.get(url).content.decode()
    assert 'name="_accept"' in page and QUOTE in page
    response = client.post(
        url,
        {
            "supplier": belarus.pk,
            "recipient": sudan.pk,
            "system": su25.pk,  # the correction: the assistant missed it
            "stage": "delivered",
            "transfer_type": "sale",
            "stance": "supports",
            "attributed_to": "officials",
            "when": "2021-03",
            "_accept": "Accept",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    transfer = Transfer.objects.get()
    assert transfer.system == su25
    event = transfer.status_events.get()
    assert (str(event.date), event.date_precision) == ("2021-03-01", "month")
    candidate.refresh_from_db()
    assert candidate.state == CandidateState.ACCEPTED


def test_the_review_page_offers_the_new_names_and_shows_those_found(world, client):
    client.force_login(User.objects.create_superuser("names-reviewer"))
    version = SourceTextFactory(text=TEXT)
    candidate = candidate_for(version)
    candidate.proposed_names = {"system": "Su-25SM3", "supplier": "Belarus Arms Export"}
    candidate.save()
    candidate.reading.mentions = [
        {
            "start": candidate.start,
            "end": candidate.start + 7,
            "text": "Belarus",
            "kind": "actor",
            "key": "belarus",
            "how": "name",
        }
    ]
    candidate.reading.save()
    page = client.get(reverse("admin:assistant_candidate_change", args=[candidate.pk]))
    html = page.content.decode()
    assert f"{reverse('admin:transfers_system_add')}?designation=Su-25SM3" in html
    assert f"{reverse('admin:actors_actor_add')}?name=Belarus+Arms+Export" in html
    assert "“Belarus” (actor: belarus)" in html


def test_merging_actors_or_systems_carries_the_candidates_along(world, editor_user):
    from editorial.services import actor_merge, system_merge

    belarus, sudan, su25 = world
    twin = ActorFactory(name="Republic of Belarus", slug="belarus-2", country="BY")
    other_system = SystemFactory(designation="Su-25K", slug="su-25k")
    candidate = candidate_for(
        SourceTextFactory(text=TEXT), supplier=twin, recipient=sudan, system=other_system
    )
    candidate.intermediaries.set([twin])
    actor_merge(keep=belarus, duplicate=twin, user=editor_user)
    system_merge(keep=su25, duplicate=other_system, user=editor_user)
    candidate.refresh_from_db()
    assert (candidate.supplier, candidate.system) == (belarus, su25)
    assert list(candidate.intermediaries.all()) == [belarus]
