"""Actors' rules: in clean(), in the database, and on delete."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from actors.factories import ActorFactory
from actors.models import Actor

pytestmark = pytest.mark.django_db


def test_a_state_needs_a_country_code():
    actor = ActorFactory.build(name="Nowhere", slug="nowhere", country="")
    with pytest.raises(ValidationError) as excinfo:
        actor.full_clean()
    assert "country" in excinfo.value.message_dict


def test_an_actor_cannot_be_its_own_ancestor(iran, irgc):
    iran.parent, iran.parent_relation = irgc, "part_of"
    with pytest.raises(ValidationError) as excinfo:
        iran.full_clean()
    assert "loop" in excinfo.value.message_dict["parent"][0]


def test_actor_state_without_country_fails_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Actor.objects.create(name="X", slug="x", kind="state", country="")


def test_deleting_an_actor_with_affiliates_is_refused(iran, irgc):
    with pytest.raises(ProtectedError):
        iran.delete()


def test_a_dump_with_a_parent_listed_after_its_affiliate_loads_again(tmp_path):
    from django.core.management import call_command

    affiliate = ActorFactory(name="Quds Force", slug="quds-force", kind="state_organ", country="IR")
    parent = ActorFactory(name="IRGC", slug="irgc-x", kind="state_organ", country="IR")
    affiliate.parent, affiliate.parent_relation = parent, "part_of"
    affiliate.save()
    dump = tmp_path / "actors.json"
    call_command(
        "dumpdata",
        "actors.actor",
        "--natural-foreign",
        "--natural-primary",
        output=str(dump),
        verbosity=0,
    )
    affiliate.delete()
    parent.delete()
    call_command("loaddata", str(dump), verbosity=0)
    assert Actor.objects.get(slug="quds-force").parent.slug == "irgc-x"
