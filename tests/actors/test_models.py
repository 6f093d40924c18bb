"""Actors' and their relations' rules: in clean(), in the database, and on delete."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from actors.choices import RelationKind
from actors.factories import ActorFactory, ActorRelationFactory, ArmedGroupFactory
from actors.models import Actor, ActorRelation
from common.dates import DatePrecision

pytestmark = pytest.mark.django_db

YEAR, MONTH, DAY = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY


def test_a_state_needs_a_country_code():
    actor = ActorFactory.build(name="Nowhere", slug="nowhere", country="")
    with pytest.raises(ValidationError) as excinfo:
        actor.full_clean()
    assert "country" in excinfo.value.message_dict


def test_actor_state_without_country_fails_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(name="X", slug="x", kind="state", country="")


# --- relations -------------------------------------------------------------------


def test_an_actor_has_several_relations_read_actor_kind_related():
    iraq, iran = ActorFactory(name="Iraq", country="IQ"), ActorFactory(name="Iran", country="IR")
    hashd = ArmedGroupFactory(name="Hashd al-Sha'bi", country="IQ")
    part = ActorRelationFactory(
        actor=hashd,
        kind=RelationKind.PART_OF,
        related=iraq,
        start_date=datetime.date(2016, 1, 1),
        start_date_precision=YEAR,
    )
    ActorRelationFactory(actor=hashd, kind=RelationKind.SPONSORED_BY, related=iran)
    assert str(part) == "Hashd al-Sha'bi part of Iraq"
    assert {(r.kind, r.related.name) for r in hashd.relations.all()} == {
        ("part_of", "Iraq"),
        ("sponsored_by", "Iran"),
    }
    assert [r.actor for r in iran.related_relations.all()] == [hashd]


def test_an_actor_cannot_be_related_to_itself(iran):
    relation = ActorRelation(actor=iran, kind=RelationKind.AFFILIATED_WITH, related=iran)
    with pytest.raises(ValidationError) as excinfo:
        relation.full_clean()
    assert "itself" in excinfo.value.message_dict["related"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        relation.save()


def test_part_of_relations_make_no_loop(iran, irgc):
    quds = ActorFactory(name="Quds Force", slug="quds", kind="state_organ", country="IR")
    ActorRelationFactory(actor=quds, kind=RelationKind.PART_OF, related=irgc)
    # irgc part of iran, quds part of irgc: iran part of quds closes a loop.
    relation = ActorRelation(actor=iran, kind=RelationKind.PART_OF, related=quds)
    with pytest.raises(ValidationError) as excinfo:
        relation.full_clean()
    assert "loop" in excinfo.value.message_dict["related"][0]
    # Another kind is no loop of parts: Iran may be "affiliated with" the Quds Force.
    ActorRelation(actor=iran, kind=RelationKind.AFFILIATED_WITH, related=quds).full_clean()


def test_changing_a_relation_into_a_loop_is_refused(iran, irgc):
    relation = irgc.relations.get()
    relation.actor, relation.related = iran, irgc
    relation.full_clean()  # the relation itself reversed is no loop
    other = ActorFactory(name="Other", country="IQ")
    ActorRelationFactory(actor=other, kind=RelationKind.PART_OF, related=iran)
    relation.related = other  # iran part of other, other part of iran
    with pytest.raises(ValidationError):
        relation.full_clean()


def test_one_relation_of_a_kind_between_two_actors_from_one_start(iran, irgc):
    duplicate = ActorRelation(actor=irgc, kind=RelationKind.PART_OF, related=iran)
    with pytest.raises(ValidationError):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    # Another start (the link broken off and taken up again) is another relation.
    again = ActorRelation(
        actor=irgc,
        kind=RelationKind.PART_OF,
        related=iran,
        start_date=datetime.date(2020, 1, 1),
        start_date_precision=YEAR,
    )
    again.full_clean()
    again.save()
    same_start = ActorRelation(
        actor=irgc,
        kind=RelationKind.PART_OF,
        related=iran,
        start_date=datetime.date(2020, 1, 1),
        start_date_precision=MONTH,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        same_start.save()


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"start_date": datetime.date(2016, 5, 3)}, "start_date_precision"),
        ({"start_date_precision": YEAR}, "start_date"),
        ({"end_date": datetime.date(2016, 5, 3)}, "end_date_precision"),
        (
            {
                "start_date": datetime.date(2017, 1, 1),
                "start_date_precision": YEAR,
                "end_date": datetime.date(2016, 1, 1),
                "end_date_precision": YEAR,
            },
            "end_date",
        ),
        ({"kind": "owned_by"}, "kind"),
    ],
)
def test_bad_relation_dates_and_kinds_are_refused(iran, fields, error_field):
    group = ArmedGroupFactory()
    relation = ActorRelation(
        actor=group, related=iran, **{"kind": RelationKind.SPONSORED_BY, **fields}
    )
    with pytest.raises(ValidationError) as excinfo:
        relation.full_clean()
    assert error_field in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        relation.save()


def test_relation_dates_are_read_at_their_precision(iran):
    relation = ActorRelation(
        actor=ArmedGroupFactory(),
        kind=RelationKind.SPONSORED_BY,
        related=iran,
        start_date=datetime.date(2016, 5, 3),
        start_date_precision=MONTH,
        end_date=datetime.date(2016, 8, 20),
        end_date_precision=YEAR,  # "2016" does not end before "2016-05"
    )
    relation.full_clean()
    assert (relation.start_date, relation.end_date) == (
        datetime.date(2016, 5, 1),
        datetime.date(2016, 1, 1),
    )
    assert (relation.start_date_display, relation.end_date_display) == ("2016-05", "2016")
    relation.save()


def test_deleting_an_actor_with_relations_is_refused_either_side(iran, irgc):
    with pytest.raises(ProtectedError):
        iran.delete()
    with pytest.raises(ProtectedError):
        irgc.delete()


def test_relations_are_in_the_history(iran, irgc):
    relation = irgc.relations.get()
    relation.note = "Constitution, art. 150."
    relation.save()
    assert [h.history_type for h in relation.history.order_by("history_id")] == ["+", "~"]


def test_a_dump_of_actors_and_relations_loads_again(tmp_path):
    from django.core.management import call_command

    part = ActorFactory(name="Quds Force", slug="quds-force", kind="state_organ", country="IR")
    whole = ActorFactory(name="IRGC", slug="irgc-x", kind="state_organ", country="IR")
    ActorRelationFactory(actor=part, kind=RelationKind.PART_OF, related=whole)
    dump = tmp_path / "actors.json"
    call_command(
        "dumpdata",
        "actors.actor",
        "actors.actorrelation",
        "--natural-foreign",
        "--natural-primary",
        output=str(dump),
        verbosity=0,
    )
    ActorRelation.objects.all().delete()
    part.delete()
    whole.delete()
    call_command("loaddata", str(dump), verbosity=0)
    relation = Actor.objects.get(slug="quds-force").relations.get()
    assert (relation.kind, relation.related.slug) == ("part_of", "irgc-x")


# --- the data migration --------------------------------------------------------------


class _FakeSchemaEditor:
    connection = connection


def test_the_migration_turns_each_parent_into_a_relation_of_its_kind(monkeypatch):
    """0008's function, run against stand-ins for the historical models: each
    parent becomes an undated relation of the same kind, with a first version."""
    migration = importlib.import_module("actors.migrations.0008_actor_parent_to_relations")
    iran, russia = ActorFactory(name="Iran", country="IR"), ActorFactory(name="Russia")
    irgc = ActorFactory(name="IRGC", kind="state_organ", country="IR")
    wagner = ArmedGroupFactory(name="Wagner")
    group = ArmedGroupFactory(name="Some group")
    parents = [
        (irgc.pk, iran.pk, "part_of"),
        (wagner.pk, russia.pk, "sponsored_by"),
        (group.pk, iran.pk, "affiliated_with"),
    ]

    class Parents:
        """Actor as it was: the rows with a parent, as values_list gives them."""

        class objects:
            @staticmethod
            def using(db):
                return Parents.objects

            @staticmethod
            def filter(**kwargs):
                return Parents.objects

            @staticmethod
            def order_by(*args):
                return Parents.objects

            @staticmethod
            def values_list(*fields):
                return parents

    class StateApps:
        def get_model(self, app_label, name):
            return Parents if name == "Actor" else django_apps.get_model(app_label, name)

    migration.parents_to_relations(StateApps(), _FakeSchemaEditor())
    carried = {
        (r.actor_id, r.related_id, r.kind, r.start_date) for r in ActorRelation.objects.all()
    }
    assert carried == {(a, p, k, None) for a, p, k in parents}
    # (The live model writes a version of its own on save; the migration's
    # historical models do not, so there the carried version is the only one.)
    carried_version = ActorRelation.history.filter(
        actor_id=irgc.pk, history_change_reason__contains="former parent"
    ).get()
    assert carried_version.history_type == "+"
