import pytest

from actors.choices import ActorKind
from actors.factories import ActorFactory, ArmedGroupFactory
from actors.models import Actor
from tests.helpers import API, results, slugs
from transfers.factories import TransferFactory

pytestmark = pytest.mark.django_db

ACTORS = f"{API}/actors/"


# --- read ----------------------------------------------------------------------


def test_actor_detail_is_addressed_by_id_or_slug(api_client, russia):
    by_id = api_client.get(f"{ACTORS}{russia.pk}/")
    by_slug = api_client.get(f"{ACTORS}russia/")
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()
    body = by_slug.json()
    assert body["name"] == "Russia"
    assert body["aliases"] == ["Russian Federation"]
    assert body["url"] == f"http://testserver{ACTORS}{russia.pk}/"


def test_an_actor_without_country_reads_as_an_empty_code(api_client, db):
    ActorFactory(slug="un", name="United Nations", kind=ActorKind.INTERNATIONAL_ORG, country="")
    assert api_client.get(f"{ACTORS}un/").json()["country"] == ""
    assert results(api_client.get(ACTORS))[0]["country"] == ""


def test_actor_shows_its_parent_in_brief(api_client, iran, irgc):
    body = api_client.get(f"{ACTORS}irgc/").json()
    assert body["parent"] == {
        "id": iran.pk,
        "url": f"http://testserver{ACTORS}{iran.pk}/",
        "slug": "iran",
        "name": "Iran",
        "display": "Iran",
    }
    assert body["parent_relation"] == "part_of"


def test_actor_detail_links_to_its_transfers_by_role(api_client, russia, iran, s300):
    TransferFactory(supplier=russia, recipient=iran, system=s300)
    links = api_client.get(f"{ACTORS}russia/").json()["transfers"]
    assert links["as_supplier"].endswith("/api/v1/transfers/?supplier=russia")
    assert links["as_recipient"].endswith("/api/v1/transfers/?recipient=russia")
    assert links["any_role"].endswith("/api/v1/transfers/?party=russia")
    followed = api_client.get(links["as_supplier"]).json()
    assert followed["count"] == 1
    assert api_client.get(links["as_recipient"]).json()["count"] == 0


def test_unknown_actor_is_a_json_404(api_client, db):
    response = api_client.get(f"{ACTORS}atlantis/")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- filters -------------------------------------------------------------------


def test_kind_filter_takes_several_values(api_client, russia):
    ArmedGroupFactory(slug="hezbollah", name="Hezbollah")
    ActorFactory(slug="rostec", name="Rostec", kind=ActorKind.COMPANY)
    assert slugs(api_client.get(ACTORS, {"kind": "armed_group"})) == ["hezbollah"]
    both = api_client.get(ACTORS, {"kind": ["armed_group", "company"]})
    assert sorted(slugs(both)) == ["hezbollah", "rostec"]


def test_country_filter_ignores_case(api_client, russia, iran):
    assert slugs(api_client.get(ACTORS, {"country": "ru"})) == ["russia"]
    assert slugs(api_client.get(ACTORS, {"country": "IR"})) == ["iran"]


def test_parent_filter_narrows_to_affiliates(api_client, irgc, russia):
    assert slugs(api_client.get(ACTORS, {"parent": "iran"})) == ["irgc"]
    assert slugs(api_client.get(ACTORS, {"parent_id": irgc.parent_id})) == ["irgc"]


def test_search_finds_actors_by_alias(api_client, irgc, russia):
    assert slugs(api_client.get(ACTORS, {"search": "Sepah"})) == ["irgc"]
    assert slugs(api_client.get(ACTORS, {"search": "Russian Federation"})) == ["russia"]


def test_ordering_by_name_descending(api_client, russia, iran):
    assert slugs(api_client.get(ACTORS, {"ordering": "-name"})) == ["russia", "iran"]
    assert slugs(api_client.get(ACTORS, {"ordering": "name"})) == ["iran", "russia"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "dragon"}, "kind"),
        ({"country": "XX"}, "country"),
        ({"parent": "no-such-actor"}, "parent"),
        ({"parent_id": "abc"}, "parent_id"),
        ({"ordering": "shoe_size"}, "ordering"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(api_client, russia, params, field):
    response = api_client.get(ACTORS, params)
    assert response.status_code == 400
    assert field in response.json()


# --- write ---------------------------------------------------------------------

NEW_ACTOR = {"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"}


def test_anonymous_cannot_write(api_client, db):
    response = api_client.post(ACTORS, NEW_ACTOR, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert not Actor.objects.exists()


def test_a_user_without_permission_may_read_but_not_write(viewer, russia):
    assert viewer.get(f"{ACTORS}russia/").status_code == 200
    assert viewer.post(ACTORS, NEW_ACTOR, format="json").status_code == 403
    assert viewer.patch(f"{ACTORS}russia/", {"name": "X"}, format="json").status_code == 403
    assert viewer.delete(f"{ACTORS}russia/").status_code == 403
    assert Actor.objects.get(slug="russia").name == "Russia"


def test_editor_creates_an_actor_with_a_parent_given_by_slug(editor, russia):
    response = editor.post(
        ACTORS,
        {
            "name": "Wagner Group",
            "slug": "wagner",
            "kind": "pmc",
            "country": "ru",
            "aliases": ["PMC Wagner", "Africa Corps"],
            "parent": "russia",
            "parent_relation": "sponsored_by",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["parent"]["slug"] == "russia"
    assert body["country"] == "RU"
    assert response["Location"] == body["url"]
    # Exactly str: a WSGI server refuses any other type in a header (a 500).
    assert all(type(value) is str for value in response.headers.values())
    assert response["ETag"]
    assert Actor.objects.get(slug="wagner").parent == russia


def test_editor_patches_and_deletes_an_actor(editor, db):
    actor = ActorFactory(slug="belarus", name="Belarus", country="BY")
    response = editor.patch(f"{ACTORS}belarus/", {"aliases": ["Byelorussia"]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["aliases"] == ["Byelorussia"]
    assert editor.delete(f"{ACTORS}{actor.pk}/").status_code == 204
    assert not Actor.objects.filter(pk=actor.pk).exists()


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**NEW_ACTOR, "country": ""}, "country", "A state needs its ISO 3166-1 country code."),
        ({**NEW_ACTOR, "slug": "russia"}, "slug", "actor with this slug already exists."),
        ({**NEW_ACTOR, "parent": "atlantis"}, "parent", "There is no actor with the slug"),
        ({**NEW_ACTOR, "parent": 99999}, "parent", "There is no actor with the id or slug"),
        ({**NEW_ACTOR, "parent": True}, "parent", "Give an id (a number) or a slug"),
        ({**NEW_ACTOR, "parent": "russia"}, "parent_relation", "Say how this actor relates"),
        ({**NEW_ACTOR, "aliases": ["Belarus", "belarus"]}, "aliases", "listed twice"),
        ({**NEW_ACTOR, "wikidata_id": "159"}, "wikidata_id", "looks like Q159"),
        ({**NEW_ACTOR, "kind": "dragon"}, "kind", "is not a valid choice"),
        ({"slug": "x"}, "name", "This field is required."),
    ],
)
def test_model_rules_come_back_as_field_errors(editor, russia, body, field, message):
    response = editor.post(ACTORS, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors


def test_an_actor_cannot_become_its_own_grandparent(editor, iran, irgc):
    response = editor.patch(
        f"{ACTORS}iran/", {"parent": "irgc", "parent_relation": "part_of"}, format="json"
    )
    assert response.status_code == 400
    assert "loop" in response.json()["parent"][0]


def test_deleting_an_actor_with_transfers_is_a_409_naming_them(editor, russia, iran, s300):
    TransferFactory(supplier=russia, recipient=iran, system=s300)
    response = editor.delete(f"{ACTORS}iran/")
    assert response.status_code == 409
    assert "Russia → Iran: S-300" in response.json()["detail"]
    assert Actor.objects.filter(slug="iran").exists()


def test_list_is_paginated_in_a_stable_order(api_client, db):
    ActorFactory.create_batch(5)
    first = api_client.get(ACTORS, {"page_size": 2}).json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["next"].endswith("page=2&page_size=2")
    rest = api_client.get(first["next"]).json()["results"]
    assert not {a["id"] for a in first["results"]} & {a["id"] for a in rest}


def test_an_api_write_is_recorded_in_the_history_with_its_user(editor, russia):
    response = editor.patch(f"{ACTORS}russia/", {"description": "A state."}, format="json")
    assert response.status_code == 200
    latest = Actor.history.filter(id=russia.pk).latest("history_id")
    assert latest.history_type == "~"
    assert latest.history_user.username == "editor"
