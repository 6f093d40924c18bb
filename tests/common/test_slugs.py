"""A slug is never only digits (issue 12, section 9): records are addressed
by id or slug, digits first as an id, so an actor with the slug "1" could
never be reached by it (`/actors/1/` is the actor with id 1). Refused by a
field validator (API 400, admin form error) and by a named CHECK constraint
on SQLite and PostgreSQL; generated slugs never are."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from actors.factories import ActorFactory
from actors.models import Actor
from common.slugs import addressable_slug
from sources.factories import SourceFactory
from sources.models import Source
from tests.helpers import API
from transfers.demo_data import generate
from transfers.factories import SystemFactory, TransferFactory
from transfers.models import System, Transfer

pytestmark = pytest.mark.django_db

ONLY_DIGITS = ["1", "2000", "0007"]
FINE = ["1-2", "a1", "2000-system", "s-300", "1_2"]

SLUGGED = {
    "actors": (Actor, ActorFactory),
    "systems": (System, SystemFactory),
    "transfers": (Transfer, TransferFactory),
    "sources": (Source, SourceFactory),
}


def create_body(endpoint):
    """A valid create body for `endpoint`, slug aside."""
    if endpoint == "actors":
        return {"name": "Digits Inc.", "kind": "company"}
    if endpoint == "systems":
        return {"designation": "2000", "category": "other"}
    if endpoint == "sources":
        return {"title": "Report 2000", "kind": "news"}
    supplier, recipient, system = ActorFactory(), ActorFactory(), SystemFactory()
    return {
        "supplier": supplier.slug,
        "recipient": recipient.slug,
        "system": system.slug,
        "initial_stage": {"stage": "under_discussion"},
    }


@pytest.mark.parametrize("slug", ONLY_DIGITS)
@pytest.mark.parametrize("endpoint", SLUGGED)
def test_creating_a_record_with_a_slug_of_only_digits_is_a_400(editor, endpoint, slug):
    model = SLUGGED[endpoint][0]
    body = {**create_body(endpoint), "slug": slug}
    before = model.objects.count()
    response = editor.post(f"{API}/{endpoint}/", body, format="json")
    assert response.status_code == 400, response.content
    assert "only digits" in response.json()["slug"][0]
    assert model.objects.count() == before


@pytest.mark.parametrize("endpoint", SLUGGED)
def test_renaming_a_slug_to_only_digits_is_a_400_and_changes_nothing(editor, endpoint):
    record = SLUGGED[endpoint][1]()
    old = record.slug
    response = editor.patch(f"{API}/{endpoint}/{record.pk}/", {"slug": "42"}, format="json")
    assert response.status_code == 400, response.content
    assert "slug" in response.json()
    record.refresh_from_db()
    assert record.slug == old


@pytest.mark.parametrize("slug", FINE)
@pytest.mark.parametrize("endpoint", SLUGGED)
def test_a_slug_with_digits_and_something_else_is_fine(editor, endpoint, slug):
    body = {**create_body(endpoint), "slug": slug}
    response = editor.post(f"{API}/{endpoint}/", body, format="json")
    assert response.status_code == 201, response.content
    assert editor.get(f"{API}/{endpoint}/{slug}/").json()["slug"] == slug


@pytest.mark.parametrize("endpoint", SLUGGED)
def test_full_clean_names_the_slug(endpoint):
    record = SLUGGED[endpoint][1]()
    record.slug = "123"
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    assert set(caught.value.message_dict) == {"slug"}


@pytest.mark.parametrize("endpoint", SLUGGED)
@pytest.mark.parametrize("slug", ONLY_DIGITS)
def test_the_database_refuses_a_slug_of_only_digits(endpoint, slug):
    # A write around the model (an update, a raw import) meets the constraint.
    record = SLUGGED[endpoint][1]()
    with pytest.raises(IntegrityError, match="slug_not_only_digits"), transaction.atomic():
        type(record).objects.filter(pk=record.pk).update(slug=slug)


def test_the_admin_refuses_it_with_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:transfers_system_add"),
        {"designation": "2000", "slug": "2000", "category": "other", "aliases": ""},
    )
    assert response.status_code == 200  # the form again, with its errors
    errors = response.context["adminform"].form.errors
    assert "only digits" in errors["slug"][0]
    assert not System.objects.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2000", "2000-system"),
        ("", "system"),
        ("s-300", "s-300"),
        ("1-2", "1-2"),
    ],
)
def test_a_generated_slug_is_never_only_digits(text, expected):
    assert addressable_slug(text, "system") == expected


def test_a_generated_transfer_slug_is_not_only_digits():
    transfer = TransferFactory(slug="")
    assert transfer.slug and not transfer.slug.isdigit()


ONLY_DIGITS_RE = re.compile(r"[0-9]+")


def only_digit_slugs():
    return [
        (model.__name__, slug)
        for model, _factory in SLUGGED.values()
        for slug in model.objects.values_list("slug", flat=True)
        if ONLY_DIGITS_RE.fullmatch(slug)
    ]


def test_the_seed_and_the_demo_data_have_no_slug_of_only_digits():
    call_command("loaddata", str(Path(settings.BASE_DIR) / "fixtures" / "seed.json"), verbosity=0)
    generate(transfers=50, seed=5, batch_size=25)
    assert Actor.objects.count() and Source.objects.count() and Transfer.objects.count() > 50
    assert only_digit_slugs() == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_stored_slugs_of_only_digits_before_adding_the_constraint():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    target = next(
        key for key in graph.nodes if key[0] == "actors" and key[1].endswith("slug_not_only_digits")
    )
    (before,) = [
        parent.key for parent in graph.node_map[target].parents if parent.key[0] == "actors"
    ]
    executor.migrate([before])
    try:
        old = executor.loader.project_state([before]).apps.get_model("actors", "Actor")
        for slug in ("12", "12-actor", "7"):
            old.objects.create(name=f"Actor {slug}", slug=slug, kind="company")
        executor = MigrationExecutor(connection)
        executor.migrate([target])
        assert sorted(Actor.objects.values_list("slug", flat=True)) == [
            "12-actor",
            "12-actor-2",
            "7-actor",
        ]
        assert Actor.objects.get(name="Actor 12").slug == "12-actor-2"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
