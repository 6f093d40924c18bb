import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from actors.choices import RelationKind
from actors.factories import ActorFactory, ActorRelationFactory
from actors.models import Actor, ActorRelation
from editorial.models import MergeRecord
from editorial.services import actor_merge, system_merge
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import Citation, System, Transfer, TransferIntermediary

pytestmark = pytest.mark.django_db


# --- history -------------------------------------------------------------------


def test_every_save_and_delete_is_recorded_field_by_field(russia, iran, s300):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300, quantity=4)
    transfer.quantity = 8
    transfer._change_reason = "Second report gives eight batteries"
    transfer.save()
    transfer_id = transfer.pk
    transfer.delete()

    records = Transfer.history.filter(id=transfer_id).order_by("history_id")
    assert [record.history_type for record in records] == ["+", "~", "-"]
    delta = records[1].diff_against(records[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("quantity", 4, 8)]
    assert records[1].history_change_reason == "Second report gives eight batteries"


def test_a_new_status_event_shows_in_the_transfers_history():
    transfer = TransferFactory(stage="under_discussion")
    StatusEventFactory(transfer=transfer, stage="cancelled")
    latest = transfer.history.latest()
    assert latest.stage == "cancelled"
    assert latest.prev_record.stage == "under_discussion"


def test_a_fixture_load_is_recorded(tmp_path, russia):
    from django.core.management import call_command

    fixture = tmp_path / "actor.json"
    fixture.write_text(
        '[{"model": "actors.actor", "fields": {"name": "Belarus", "slug": "belarus", '
        '"kind": "state", "country": "BY", "aliases": [], "created": "2026-01-01T00:00:00Z", '
        '"updated": "2026-01-01T00:00:00Z"}}]'
    )
    call_command("loaddata", str(fixture), verbosity=0)
    belarus = Actor.objects.get(slug="belarus")
    assert belarus.history.get().history_type == "+"


#: The actor form's relations inline, left empty.
NO_RELATIONS = {"relations-TOTAL_FORMS": "0", "relations-INITIAL_FORMS": "0"}


def test_an_admin_change_is_recorded_with_its_editor(admin_client, admin_user, russia):
    response = admin_client.post(
        reverse("admin:actors_actor_change", args=[russia.pk]),
        {
            "name": "Russian Federation",
            "slug": "russia",
            "kind": "state",
            "country": "RU",
            "aliases": "Russia",
            **NO_RELATIONS,
            "wikidata_id": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    latest = russia.history.latest()
    assert (latest.name, latest.history_user) == ("Russian Federation", admin_user)
    page = admin_client.get(reverse("admin:actors_actor_history", args=[russia.pk]))
    assert page.status_code == 200
    assert "Russian Federation" in page.content.decode()


def test_an_editor_reverts_to_an_earlier_version(admin_client, russia):
    first = russia.history.earliest()
    russia.name = "Muscovy"
    russia.save()
    url = reverse("admin:actors_actor_simple_history", args=[russia.pk, first.history_id])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url,
        {
            "name": first.name,
            "slug": first.slug,
            "kind": first.kind,
            "country": first.country,
            "aliases": "\n".join(first.aliases),
            **NO_RELATIONS,
            "wikidata_id": "",
            "description": "",
        },
    )
    assert response.status_code == 302
    russia.refresh_from_db()
    assert russia.name == "Russia"


def test_a_deleted_transfer_is_restored_from_its_history(admin_client, russia, iran, s300):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300, quantity=4)
    event = StatusEventFactory(transfer=transfer, stage="agreed")
    citation = CitationFactory(transfer=transfer, status_event=event)
    transfer_id, slug = transfer.pk, transfer.slug
    transfer.delete()

    listing = admin_client.get(reverse("admin:transfers_transfer_deleted"))
    assert listing.status_code == 200
    assert slug in listing.content.decode()
    response = admin_client.post(reverse("admin:transfers_transfer_restore", args=[transfer_id]))
    assert response.status_code == 302

    restored = Transfer.objects.get(pk=transfer_id)
    assert (restored.slug, restored.quantity, restored.stage) == (slug, 4, "agreed")
    assert list(restored.status_events.values_list("pk", flat=True)) == [event.pk]
    assert Citation.objects.get(pk=citation.pk).status_event_id == event.pk
    assert restored.history.latest().history_change_reason.startswith("Restored transfer")
    again = admin_client.post(
        reverse("admin:transfers_transfer_restore", args=[transfer_id]), follow=True
    )
    assert "nothing to restore" in again.content.decode()


def test_audit_report_renders_in_the_admin(admin_client):
    TransferFactory()
    response = admin_client.get(reverse("admin:audit_report"))
    assert response.status_code == 200
    assert "transfer_without_citation" in response.content.decode()


# --- merging -------------------------------------------------------------------


@pytest.fixture
def houthis_twice(db, iran, russia, s300):
    houthis = ActorFactory(
        name="Houthis", slug="houthis", kind="armed_group", country="YE", aliases=["Houthi"]
    )
    ansar = ActorFactory(
        name="Ansar Allah",
        slug="ansar-allah",
        kind="armed_group",
        country="YE",
        aliases=["Partisans of God"],
        wikidata_id="Q1033597",
        description="Yemeni movement.",
    )
    received = TransferFactory(supplier=iran, recipient=ansar, system=s300)
    supplied = TransferFactory(supplier=ansar, recipient=russia, system=s300)
    via = TransferFactory(supplier=russia, recipient=iran, system=s300)
    TransferIntermediary.objects.create(transfer=via, actor=ansar, position=1)
    citation = CitationFactory(
        transfer=received, attributed_to="a Houthi spokesman", attributed_to_actor=ansar
    )
    return houthis, ansar, received, supplied, via, citation


def test_actor_merge_moves_everything_to_the_survivor(houthis_twice, admin_user):
    houthis, ansar, received, supplied, via, citation = houthis_twice
    ansar_id = ansar.pk

    actor_merge(keep=houthis, duplicate=ansar, user=admin_user)

    houthis.refresh_from_db()
    assert not Actor.objects.filter(pk=ansar_id).exists()
    assert Transfer.objects.get(pk=received.pk).recipient == houthis
    assert Transfer.objects.get(pk=supplied.pk).supplier == houthis
    assert list(Transfer.objects.get(pk=via.pk).intermediaries.all()) == [houthis]
    assert Citation.objects.get(pk=citation.pk).transfer.recipient == houthis
    assert Citation.objects.get(pk=citation.pk).attributed_to_actor == houthis
    assert houthis.aliases == ["Houthi", "Ansar Allah", "Partisans of God"]
    assert houthis.wikidata_id == "Q1033597"
    assert houthis.description == "Yemeni movement."
    record = MergeRecord.objects.get()
    assert (record.old_id, record.old_slug, record.survivor_id) == (
        ansar_id,
        "ansar-allah",
        houthis.pk,
    )
    assert record.merged_by == admin_user
    moved = Transfer.history.filter(id=received.pk).latest()
    assert "Merged actor Ansar Allah" in moved.history_change_reason
    gone = Actor.history.filter(id=ansar_id).latest()
    assert gone.history_type == "-"


def test_merge_that_would_make_supplier_its_recipient_is_refused(iran, russia, s300):
    TransferFactory(supplier=russia, recipient=iran, system=s300)
    with pytest.raises(ValidationError, match="supplier its recipient"):
        actor_merge(keep=russia, duplicate=iran)
    assert Actor.objects.filter(pk=iran.pk).exists()
    assert not MergeRecord.objects.exists()


def test_an_actor_cannot_be_merged_into_itself(russia):
    with pytest.raises(ValidationError, match="itself"):
        actor_merge(keep=russia, duplicate=russia)


def test_actor_merge_repoints_relations_on_either_side(iran, irgc, russia):
    """The duplicate's relations move to the survivor, as subject and as the
    related actor; one that would repeat the survivor's own is dropped, its
    note and end date kept where the survivor's had none; one between the
    two would relate the survivor to itself, and is dropped."""
    sepah = ActorFactory(name="Sepah", slug="sepah", kind="state_organ", country="IR")
    quds = ActorFactory(name="Quds Force", slug="quds", kind="state_organ", country="IR")
    hezbollah = ActorFactory(name="Hezbollah", slug="hezbollah", kind="armed_group", country="LB")
    kept = irgc.relations.get()  # irgc part of iran
    repeated = ActorRelationFactory(
        actor=sepah,
        kind=RelationKind.PART_OF,
        related=iran,
        note="Constitution, art. 150.",
        end_date=datetime.date(2030, 1, 1),
        end_date_precision="year",
    )
    moved = ActorRelationFactory(actor=sepah, kind=RelationKind.AFFILIATED_WITH, related=russia)
    to_duplicate = ActorRelationFactory(actor=quds, kind=RelationKind.PART_OF, related=sepah)
    sponsored = ActorRelationFactory(actor=hezbollah, related=sepah)
    between = ActorRelationFactory(actor=sepah, kind=RelationKind.AFFILIATED_WITH, related=irgc)

    actor_merge(keep=irgc, duplicate=sepah)

    assert not ActorRelation.objects.filter(pk__in=[repeated.pk, between.pk]).exists()
    kept.refresh_from_db()
    assert (kept.note, kept.end_date_display) == ("Constitution, art. 150.", "2030")
    assert ActorRelation.objects.get(pk=moved.pk).actor == irgc
    assert ActorRelation.objects.get(pk=to_duplicate.pk).related == irgc
    assert ActorRelation.objects.get(pk=sponsored.pk).related == irgc
    assert set(irgc.relations.values_list("kind", "related__slug")) == {
        ("part_of", "iran"),
        ("affiliated_with", "russia"),
    }
    dropped = ActorRelation.history.filter(id=between.pk).latest()
    assert dropped.history_type == "-"
    assert "Merged actor Sepah" in dropped.history_change_reason
    assert "Merged actor Sepah" in moved.history.latest().history_change_reason


def test_a_merge_that_would_make_a_loop_of_parts_is_refused(iran, irgc):
    # irgc part of iran; persia (a duplicate of iran) part of irgc: merged,
    # iran would be part of irgc, part of iran.
    persia = ActorFactory(name="Persia", slug="persia", country="IR")
    ActorRelationFactory(actor=persia, kind=RelationKind.PART_OF, related=irgc)
    with pytest.raises(ValidationError, match="loop"):
        actor_merge(keep=iran, duplicate=persia)
    assert Actor.objects.filter(pk=persia.pk).exists()
    assert not MergeRecord.objects.exists()


def test_a_later_merge_keeps_earlier_redirects_pointing_at_the_survivor(houthis_twice):
    houthis, ansar, *_ = houthis_twice
    third = ActorFactory(name="Ansarullah", slug="ansarullah", kind="armed_group", country="YE")
    actor_merge(keep=ansar, duplicate=third)
    actor_merge(keep=houthis, duplicate=ansar)
    assert set(MergeRecord.objects.values_list("survivor_id", flat=True)) == {houthis.pk}


def test_system_merge_moves_transfers_and_names(russia, s300):
    sa10 = SystemFactory(
        designation="SA-10", slug="sa-10", category="air_defence", origin=russia, aliases=["S-300P"]
    )
    transfer = TransferFactory(system=sa10)
    system_merge(keep=s300, duplicate=sa10)
    s300.refresh_from_db()
    assert Transfer.objects.get(pk=transfer.pk).system == s300
    assert s300.aliases == ["SA-10", "S-300P"]
    assert not System.objects.filter(slug="sa-10").exists()
    assert MergeRecord.objects.get().content_type == ContentType.objects.get_for_model(System)


def test_admin_merge_action_asks_which_survives_then_merges(admin_client, houthis_twice):
    houthis, ansar, received, *_ = houthis_twice
    url = reverse("admin:actors_actor_changelist")
    selection = {"action": "merge_selected", ACTION_CHECKBOX_NAME: [houthis.pk, ansar.pk]}
    confirm = admin_client.post(url, selection)
    assert confirm.status_code == 200
    assert "Which actor survives?" in confirm.content.decode()
    done = admin_client.post(url, {**selection, "keep": houthis.pk}, follow=True)
    assert "Merged “Ansar Allah” into “Houthis”" in done.content.decode()
    assert Transfer.objects.get(pk=received.pk).recipient == houthis


def test_admin_merge_shows_a_refusal_as_a_message(admin_client, russia, iran, s300):
    TransferFactory(supplier=russia, recipient=iran, system=s300)
    url = reverse("admin:actors_actor_changelist")
    response = admin_client.post(
        url,
        {"action": "merge_selected", ACTION_CHECKBOX_NAME: [russia.pk, iran.pk], "keep": russia.pk},
        follow=True,
    )
    assert "supplier its recipient" in response.content.decode()
    assert Actor.objects.filter(pk=iran.pk).exists()


def test_admin_merge_needs_exactly_two(admin_client, russia):
    url = reverse("admin:actors_actor_changelist")
    response = admin_client.post(
        url, {"action": "merge_selected", ACTION_CHECKBOX_NAME: [russia.pk]}, follow=True
    )
    assert "Select exactly two actors" in response.content.decode()


@pytest.mark.parametrize(
    "model", ["actors_actor", "transfers_system", "transfers_transfer", "transfers_citation"]
)
def test_every_change_form_offers_a_reason(admin_client, model):
    response = admin_client.get(reverse(f"admin:{model}_add"))
    assert response.status_code == 200
    assert 'name="change_reason"' in response.content.decode()


def test_an_admin_change_keeps_its_reason(admin_client, russia):
    response = admin_client.post(
        reverse("admin:actors_actor_change", args=[russia.pk]),
        {
            "name": "Russia",
            "slug": "russia",
            "kind": "state",
            "country": "RU",
            "aliases": "Russian Federation\nMoscow",
            **NO_RELATIONS,
            "wikidata_id": "Q159",
            "description": "",
            "change_reason": "Wikidata id checked against the entity page",
        },
    )
    assert response.status_code == 302
    latest = russia.history.latest()
    assert latest.wikidata_id == "Q159"
    assert latest.history_change_reason == "Wikidata id checked against the entity page"


def test_a_new_system_added_in_the_admin_keeps_its_reason(admin_client, russia):
    response = admin_client.post(
        reverse("admin:transfers_system_add"),
        {
            "designation": "Shahed-136",
            "slug": "shahed-136",
            "category": "uav",
            "nato_reporting_name": "",
            "aliases": "Geran-2",
            "origin": "",
            "description": "",
            "change_reason": "Named in document 004",
        },
    )
    assert response.status_code == 302
    system = System.objects.get(slug="shahed-136")
    assert system.aliases == ["Geran-2"]
    assert system.history.get().history_change_reason == "Named in document 004"
