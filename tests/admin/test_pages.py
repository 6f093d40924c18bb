import pytest
from django.urls import reverse

from actors.factories import ActorFactory
from actors.models import Actor
from sources.factories import SourceFactory
from transfers.factories import CitationFactory, StatusEventFactory, TransferFactory
from transfers.models import Citation, Transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def curated(russia, iran, irgc, s300):
    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300)
    event = StatusEventFactory(transfer=transfer)
    citation = CitationFactory(transfer=transfer, status_event=event)
    return {
        "actors.actor": iran,
        "actors.actorrelation": irgc.relations.get(),
        "transfers.system": s300,
        "transfers.transfer": transfer,
        "transfers.statusevent": event,
        "sources.source": citation.source,
        "transfers.citation": citation,
    }


MODELS = [
    "actors.actor",
    "actors.actorrelation",
    "transfers.system",
    "transfers.transfer",
    "transfers.statusevent",
    "sources.source",
    "transfers.citation",
]


def _url(model, view, *args):
    app_label, model_name = model.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders_for_staff(admin_client, curated, model):
    response = admin_client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", MODELS)
def test_add_form_renders_for_staff(admin_client, curated, model):
    assert admin_client.get(_url(model, "add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_change_form_renders_for_staff(admin_client, curated, model):
    response = admin_client.get(_url(model, "change", curated[model].pk))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("model", "term"),
    [
        ("actors.actor", "Sepah"),  # an alias
        ("actors.actorrelation", "irgc"),  # the actor's slug
        ("transfers.system", "Grumble"),  # the NATO reporting name
        ("transfers.transfer", "Russian Federation"),  # the supplier's alias
        ("transfers.statusevent", "S-300"),
        ("sources.source", "Report number"),
        ("transfers.citation", "shipment"),
    ],
)
def test_search_finds_by_names_and_aliases(admin_client, curated, model, term):
    response = admin_client.get(_url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    nothing = admin_client.get(_url(model, "changelist"), {"q": "zzz-no-such-thing"})
    assert nothing.context["cl"].result_count == 0


@pytest.mark.parametrize(
    ("model", "params"),
    [
        ("transfers.transfer", {"stage__exact": "under_discussion", "start_date_year": "2016"}),
        ("transfers.transfer", {"system__category__exact": "air_defence"}),
        ("actors.actor", {"kind__exact": "state_organ"}),
        ("actors.actorrelation", {"kind__exact": "part_of"}),
        ("sources.source", {"kind__exact": "news"}),
    ],
)
def test_list_filters_narrow_the_changelist(admin_client, curated, model, params):
    response = admin_client.get(_url(model, "changelist"), params)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_admin_is_closed_to_anonymous_users(client):
    response = client.get(_url("transfers.transfer", "changelist"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def _management_forms(**initial_counts):
    data = {}
    for prefix in ("intermediary_links", "status_events", "deliveries", "values", "citations"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": str(initial_counts.get(prefix, 0)),
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    return data


def _transfer_form(supplier, recipient, system, **extra):
    data = {
        "supplier": supplier.pk,
        "recipient": recipient.pk,
        "system": system.pk,
        "transfer_type": "sale",
        "start": "2007-12",
        "end": "",
        "quantity": "",
        "quantity_max": "",
        "package": "",
        "condition": "new",
        "slug": "",
        "notes": "",
        **_management_forms(),
        "status_events-TOTAL_FORMS": "2",
        "status_events-0-stage": "under_discussion",
        "status_events-0-when": "2007",
        "status_events-0-note": "",
        "status_events-1-stage": "cancelled",
        "status_events-1-when": "2010-09-22",
        "status_events-1-note": "",
    }
    data.update(extra)
    return data


def test_editor_enters_a_transfer_with_its_status_history(admin_client, russia, iran, s300):
    response = admin_client.post(
        _url("transfers.transfer", "add"), _transfer_form(russia, iran, s300)
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    transfer = Transfer.objects.get()
    assert transfer.slug == "russia-iran-s-300-2007"
    assert transfer.start_date_display == "2007-12"
    assert transfer.stage == "cancelled"
    assert [event.date_display for event in transfer.status_events.all()] == ["2007", "2010-09-22"]


def test_editor_cites_a_status_event_from_its_page(admin_client, russia, iran, s300):
    event = StatusEventFactory(transfer=TransferFactory(supplier=russia, recipient=iran))
    source = SourceFactory()
    response = admin_client.post(
        _url("transfers.statusevent", "change", event.pk),
        {
            "transfer": event.transfer.pk,
            "stage": event.stage,
            "when": event.date_display,
            "note": "",
            "citations-TOTAL_FORMS": "1",
            "citations-INITIAL_FORMS": "0",
            "citations-MIN_NUM_FORMS": "0",
            "citations-MAX_NUM_FORMS": "1000",
            "citations-0-source": source.pk,
            "citations-0-quote": "The deal was signed.",
            "citations-0-location": "paragraph 2",
            "citations-0-stance": "supports",
            "citations-0-note": "",
        },
    )
    assert response.status_code == 302
    citation = Citation.objects.get()
    assert (citation.transfer, citation.status_event) == (event.transfer, event)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"recipient": "SUPPLIER"}, "recipient", "must differ from the supplier"),
        ({"start": "2016-13"}, "start", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"start": "2016", "end": "2015"}, "end", "is before the start"),
        ({"quantity_max": "3"}, "quantity", "give the quantity too"),
        ({"status_events-TOTAL_FORMS": "0"}, None, "needs at least one status event"),
    ],
)
def test_invalid_transfer_shows_a_readable_form_error(
    admin_client, russia, iran, s300, changes, field, message
):
    data = _transfer_form(russia, iran, s300)
    data.update(
        {key: russia.pk if value == "SUPPLIER" else value for key, value in changes.items()}
    )
    response = admin_client.post(_url("transfers.transfer", "add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    if field:
        assert field in response.context["adminform"].form.errors
    assert not Transfer.objects.exists()


def test_intermediary_cannot_be_a_party(admin_client, russia, iran, s300):
    data = _transfer_form(russia, iran, s300)
    data.update(
        {
            "intermediary_links-TOTAL_FORMS": "1",
            "intermediary_links-0-actor": iran.pk,
            "intermediary_links-0-position": "1",
        }
    )
    response = admin_client.post(_url("transfers.transfer", "add"), data)
    assert response.status_code == 200
    assert "cannot also be an intermediary" in response.content.decode()
    assert not Transfer.objects.exists()


def test_an_intermediarys_role_is_saved_from_the_inline(admin_client, russia, iran, s300):
    syria = ActorFactory(slug="syria", name="Syria", country="SY")
    data = _transfer_form(russia, iran, s300)
    data.update(
        {
            "intermediary_links-TOTAL_FORMS": "1",
            "intermediary_links-0-actor": syria.pk,
            "intermediary_links-0-position": "1",
            "intermediary_links-0-role": "transit",
        }
    )
    response = admin_client.post(_url("transfers.transfer", "add"), data)
    assert response.status_code == 302
    link = Transfer.objects.get().intermediary_links.get()
    assert (link.actor, link.role) == (syria, "transit")
    data["intermediary_links-0-role"] = "smuggler"
    data["slug"] = "another"
    response = admin_client.post(_url("transfers.transfer", "add"), data)
    assert response.status_code == 200
    assert "smuggler" in response.content.decode()  # "… is not one of the available choices"


def _actor_form(actor, **extra):
    data = {
        "name": actor.name,
        "slug": actor.slug,
        "kind": actor.kind,
        "country": actor.country,
        "aliases": "\n".join(actor.aliases),
        "wikidata_id": actor.wikidata_id,
        "description": actor.description,
        "relations-TOTAL_FORMS": "0",
        "relations-INITIAL_FORMS": "0",
        "relations-MIN_NUM_FORMS": "0",
        "relations-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def test_an_actors_relations_are_saved_from_its_inline(admin_client, iran):
    iraq = ActorFactory(slug="iraq", name="Iraq", country="IQ")
    hashd = ActorFactory(slug="hashd", name="Hashd al-Sha'bi", kind="armed_group", country="IQ")
    data = _actor_form(
        hashd,
        **{
            "relations-TOTAL_FORMS": "2",
            "relations-0-kind": "part_of",
            "relations-0-related": iraq.pk,
            "relations-0-start": "2016-11",
            "relations-0-end": "",
            "relations-0-note": "Law 40 of 2016.",
            "relations-1-kind": "sponsored_by",
            "relations-1-related": iran.pk,
            "relations-1-start": "",
            "relations-1-end": "",
            "relations-1-note": "",
        },
    )
    response = admin_client.post(_url("actors.actor", "change", hashd.pk), data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    relations = {r.kind: r for r in hashd.relations.all()}
    assert set(relations) == {"part_of", "sponsored_by"}
    assert (relations["part_of"].related, relations["part_of"].start_date_display) == (
        iraq,
        "2016-11",
    )
    assert relations["part_of"].history.get().history_user is not None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"related": "SELF"}, "cannot be related to itself"),
        ({"start": "2016-13"}, "YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"start": "2017", "end": "2016"}, "is before the start"),
        ({"related": "IRAN", "kind": "part_of"}, "loop"),
    ],
)
def test_a_bad_relation_is_a_form_error_in_the_inline(admin_client, iran, irgc, row, message):
    # irgc is part of iran: iran part of irgc would close a loop.
    values = {"kind": "affiliated_with", "related": "", "start": "", "end": "", "note": "", **row}
    target = {"SELF": iran.pk, "IRAN": irgc.pk}
    values["related"] = target.get(values["related"], values["related"])
    data = _actor_form(
        iran,
        **{"relations-TOTAL_FORMS": "1", **{f"relations-0-{k}": v for k, v in values.items()}},
    )
    response = admin_client.post(_url("actors.actor", "change", iran.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not iran.relations.exists()


def test_deleting_an_actor_with_transfers_is_refused_in_the_admin(admin_client, curated):
    iran = curated["actors.actor"]
    response = admin_client.post(_url("actors.actor", "delete", iran.pk), {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    assert Actor.objects.filter(pk=iran.pk).exists()
