import datetime

import pytest

from actors.choices import ActorKind, RelationKind
from actors.factories import ActorFactory, ActorRelationFactory, ArmedGroupFactory
from actors.models import Actor, ActorRelation
from tests.helpers import API, results, slugs
from transfers.factories import TransferFactory

pytestmark = pytest.mark.django_db

ACTORS = f"{API}/actors/"
RELATIONS = f"{API}/actor-relations/"


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


def test_actor_shows_its_relations_with_the_related_actor_in_brief(api_client, iran, irgc):
    relation = irgc.relations.get()
    relation.start_date, relation.start_date_precision = datetime.date(1979, 5, 1), "month"
    relation.note = "Constitution, art. 150."
    relation.save()
    body = api_client.get(f"{ACTORS}irgc/").json()
    assert body["relations"] == [
        {
            "id": relation.pk,
            "url": f"http://testserver{RELATIONS}{relation.pk}/",
            "kind": "part_of",
            "related": {
                "id": iran.pk,
                "url": f"http://testserver{ACTORS}{iran.pk}/",
                "slug": "iran",
                "name": "Iran",
                "display": "Iran",
            },
            "start_date": "1979-05",
            "start_date_precision": "month",
            "end_date": None,
            "end_date_precision": None,
            "note": "Constitution, art. 150.",
        }
    ]
    assert body["related_relations"] == []
    # On the related side, the relation names the actor it is of.
    on_iran = api_client.get(f"{ACTORS}iran/").json()
    assert on_iran["relations"] == []
    (inverse,) = on_iran["related_relations"]
    assert inverse["actor"]["slug"] == "irgc"
    assert (inverse["kind"], inverse["start_date"]) == ("part_of", "1979-05")


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


def test_related_filter_narrows_to_actors_related_to_one(api_client, iran, irgc, russia):
    hezbollah = ArmedGroupFactory(slug="hezbollah", name="Hezbollah")
    ActorRelationFactory(actor=hezbollah, kind=RelationKind.SPONSORED_BY, related=iran)
    ActorRelationFactory(actor=hezbollah, kind=RelationKind.AFFILIATED_WITH, related=irgc)
    assert slugs(api_client.get(ACTORS, {"related": "iran"})) == ["hezbollah", "irgc"]
    assert slugs(api_client.get(ACTORS, {"related_id": irgc.pk})) == ["hezbollah"]
    assert slugs(api_client.get(ACTORS, {"related": "russia"})) == []


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
        ({"related": "no-such-actor"}, "related"),
        ({"related_id": "abc"}, "related_id"),
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


def test_editor_creates_an_actor(editor, russia):
    response = editor.post(
        ACTORS,
        {
            "name": "Wagner Group",
            "slug": "wagner",
            "kind": "pmc",
            "country": "ru",
            "aliases": ["PMC Wagner", "Africa Corps"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["relations"] == body["related_relations"] == []
    assert body["country"] == "RU"
    assert response["Location"] == body["url"]
    # Exactly str: a WSGI server refuses any other type in a header (a 500).
    assert all(type(value) is str for value in response.headers.values())
    assert response["ETag"]
    assert Actor.objects.get(slug="wagner").kind == "pmc"


def test_relations_are_not_written_through_the_actor(editor, irgc):
    response = editor.patch(f"{ACTORS}irgc/", {"relations": []}, format="json")
    assert response.status_code == 200  # read-only: sent back as read, ignored
    assert irgc.relations.count() == 1
    response = editor.patch(f"{ACTORS}irgc/", {"parent": "iran"}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()


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


def test_deleting_an_actor_with_relations_is_a_409(editor, iran, irgc):
    response = editor.delete(f"{ACTORS}iran/")
    assert response.status_code == 409
    assert Actor.objects.filter(slug="iran").exists()


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


# --- relations: /api/v1/actor-relations/ -------------------------------------------


def test_relations_list_and_filters(api_client, iran, irgc, russia):
    wagner = ActorFactory(slug="wagner", name="Wagner", kind=ActorKind.PMC, country="RU")
    ActorRelationFactory(actor=wagner, kind=RelationKind.SPONSORED_BY, related=russia)
    listed = results(api_client.get(RELATIONS))
    assert [(r["actor"]["slug"], r["kind"], r["related"]["slug"]) for r in listed] == [
        ("irgc", "part_of", "iran"),
        ("wagner", "sponsored_by", "russia"),
    ]
    assert listed[0]["display"] == "Islamic Revolutionary Guard Corps part of Iran"

    def found(params):
        return [r["actor"]["slug"] for r in results(api_client.get(RELATIONS, params))]

    assert found({"actor": "wagner"}) == ["wagner"]
    assert found({"actor_id": irgc.pk}) == ["irgc"]
    assert found({"related": "iran"}) == ["irgc"]
    assert found({"related_id": russia.pk}) == ["wagner"]
    assert found({"kind": ["part_of", "operated_by"]}) == ["irgc"]
    assert found({"kind": "operated_by"}) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "owned_by"}, "kind"),
        ({"actor": "atlantis"}, "actor"),
        ({"related_id": "x"}, "related_id"),
        ({"ordering": "shoe_size"}, "ordering"),
    ],
)
def test_a_bad_relation_filter_is_a_400(api_client, irgc, params, field):
    response = api_client.get(RELATIONS, params)
    assert response.status_code == 400
    assert field in response.json()


def test_editor_creates_updates_and_deletes_a_relation(editor, iran, db):
    iraq = ActorFactory(slug="iraq", name="Iraq", country="IQ")
    hashd = ArmedGroupFactory(slug="hashd", name="Hashd al-Sha'bi", country="IQ")
    response = editor.post(
        RELATIONS,
        {"actor": "hashd", "kind": "part_of", "related": iraq.pk, "start_date": "2016-11"},
        format="json",
        HTTP_X_CHANGE_REASON="Law 40 of 2016",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["start_date"], body["start_date_precision"]) == ("2016-11", "month")
    assert body["related"]["slug"] == "iraq"
    assert response["Location"] == body["url"]
    relation = ActorRelation.objects.get(pk=body["id"])
    assert relation.history.get().history_change_reason == "Law 40 of 2016"
    sponsored = editor.post(
        RELATIONS,
        {"actor": hashd.pk, "kind": "sponsored_by", "related": "iran", "note": "Document 004."},
        format="json",
    )
    assert sponsored.status_code == 201, sponsored.json()
    on_actor = editor.get(f"{ACTORS}hashd/").json()["relations"]
    assert [r["kind"] for r in on_actor] == ["part_of", "sponsored_by"]

    response = editor.patch(
        body["url"], {"end_date": "2024", "start_date_precision": "month"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["end_date"], response.json()["end_date_precision"]) == ("2024", "year")
    assert editor.delete(body["url"]).status_code == 204
    assert list(hashd.relations.values_list("kind", flat=True)) == ["sponsored_by"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"related": "irgc"}, "related", "cannot be related to itself"),
        ({"related": "atlantis"}, "related", "There is no actor with the slug"),
        ({"actor": None}, "actor", "may not be null"),
        ({"kind": "owned_by"}, "kind", "is not a valid choice"),
        ({"kind": None}, "kind", "may not be null"),
        ({"start_date": "2016-13"}, "start_date", "not a valid date"),
        ({"start_date": 2016}, "start_date", "Give the date as text"),
        ({"start_date": "2017", "end_date": "2016"}, "end_date", "before the start"),
        ({"start_date": "2016", "start_date_precision": "day"}, "start_date_precision", "follows"),
        ({"related": "iran"}, "non_field_errors", "already recorded"),  # irgc part of iran
        ({"colour": "red"}, "colour", "Unknown field"),
    ],
)
def test_bad_relations_are_400s_naming_the_field(editor, iran, irgc, body, field, message):
    before = ActorRelation.objects.count()
    response = editor.post(
        RELATIONS, {"actor": "irgc", "kind": "part_of", "related": "iran", **body}, format="json"
    )
    assert response.status_code == 400, response.json()
    errors = response.json()
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors
    assert ActorRelation.objects.count() == before


def test_a_loop_of_parts_is_a_400(editor, iran, irgc):
    response = editor.post(
        RELATIONS, {"actor": "iran", "kind": "part_of", "related": "irgc"}, format="json"
    )
    assert response.status_code == 400
    assert "loop" in response.json()["related"][0]


def test_relations_need_their_model_permissions(api_client, viewer, irgc):
    relation = irgc.relations.get()
    url = f"{RELATIONS}{relation.pk}/"
    assert api_client.get(url).status_code == 200
    body = {"actor": "iran", "kind": "affiliated_with", "related": "irgc"}
    assert api_client.post(RELATIONS, body, format="json").status_code == 401
    assert viewer.post(RELATIONS, body, format="json").status_code == 403
    assert viewer.patch(url, {"note": "x"}, format="json").status_code == 403
    assert viewer.delete(url).status_code == 403
    assert ActorRelation.objects.get(pk=relation.pk).note == ""


def test_a_relation_is_addressed_by_id_only(api_client, irgc):
    assert api_client.get(f"{RELATIONS}irgc/").status_code == 404
