"""Names and titles hold no control characters; multi-line text holds line
breaks and tabs but no other control character. Refused on input, with a
field message in the API and a form error in the admin."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from actors.factories import ActorFactory
from actors.models import Actor
from common.validators import validate_single_line, validate_text
from sources.models import Source
from tests.helpers import API
from transfers.factories import CitationFactory, TransferFactory
from transfers.models import Citation, System

pytestmark = pytest.mark.django_db

#: The name the issue reported, and one control character of each kind.
BAD = ["Bad\x01\x0b\x1fName", "A\x00B", "Tab\tname", "Line\nbreak", "CR\rhere", "DEL\x7f", "C1\x85"]


@pytest.mark.parametrize("value", BAD)
def test_a_line_refuses_every_control_character(value):
    with pytest.raises(ValidationError) as caught:
        validate_single_line(value)
    assert caught.value.code == "control_character"


@pytest.mark.parametrize(
    "value", ["A\x00B", "Bad\x01\x0b\x1f", "DEL\x7f", "C1\x9f", "\ud800", "\uffff"]
)
def test_text_refuses_control_characters_but_line_breaks_and_tabs(value):
    with pytest.raises(ValidationError):
        validate_text(value)


@pytest.mark.parametrize(
    "value", ["Плохое имя", "Zeta; Alpha, Ülgii", "=HYPERLINK(1)", "\u2028 line separator", "😀"]
)
def test_printable_text_of_any_script_passes_both(value):
    validate_single_line(value)
    validate_text(value)


def test_text_keeps_tabs_and_browser_line_breaks():
    validate_text("First line\r\nsecond\tline\n")


NEW_ACTOR = {"name": "Belarus", "slug": "belarus", "kind": "state", "country": "BY"}
NEW_SYSTEM = {"designation": "Tor-M1", "slug": "tor-m1", "category": "air_defence"}
NEW_SOURCE = {"slug": "reuters-drones", "title": "Drones", "kind": "news"}


@pytest.mark.parametrize(
    ("url", "body", "field", "value"),
    [
        ("actors", NEW_ACTOR, "name", "Bad\x01\x0b\x1fName"),
        ("actors", NEW_ACTOR, "aliases", ["Fine", "Ba\x1fd"]),
        ("actors", NEW_ACTOR, "description", "Bell\x07"),
        ("systems", NEW_SYSTEM, "designation", "Tor\x0bM1"),
        ("systems", NEW_SYSTEM, "nato_reporting_name", "SA-15\x1b[31mX"),
        ("systems", NEW_SYSTEM, "aliases", ["9K\x01330"]),
        ("systems", NEW_SYSTEM, "description", "next\x85line"),
        ("sources", NEW_SOURCE, "title", "Drones\nflown in"),
        ("sources", NEW_SOURCE, "publisher", "Reuters\x7f"),
        ("sources", NEW_SOURCE, "authors", ["J.\tReporter"]),
        ("sources", NEW_SOURCE, "notes", "a\x0cb"),
        ("sources", NEW_SOURCE, "language", "e\x01"),
    ],
)
def test_the_api_refuses_control_characters_with_a_field_message(editor, url, body, field, value):
    # json.dumps escapes every character, so the body can carry a lone surrogate too.
    data = json.dumps({**body, field: value})
    response = editor.post(f"{API}/{url}/", data, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert "control character" in str(errors[field]), errors
    assert not (Actor.objects.exists() or System.objects.exists() or Source.objects.exists())


def test_a_json_body_with_a_lone_surrogate_is_a_400(editor):
    # json.dumps can spell one; no database can store one. The JSON parser
    # refuses it before any field is read (it was a 500 on save).
    data = json.dumps({**NEW_ACTOR, "name": "\ud800"})
    response = editor.post(f"{API}/actors/", data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "surrogate" in response.json()["detail"]
    assert not Actor.objects.exists()


def test_the_api_refuses_control_characters_in_a_patch(editor):
    actor = ActorFactory(name="Belarus")
    response = editor.patch(f"{API}/actors/{actor.pk}/", {"name": "Bela\x01rus"}, format="json")
    assert response.status_code == 400
    assert "control character (U+0001)" in response.json()["name"][0]
    actor.refresh_from_db()
    assert actor.name == "Belarus"


def test_the_api_refuses_control_characters_in_a_quote_and_in_notes(editor):
    citation = CitationFactory()
    transfer = TransferFactory()
    response = editor.patch(f"{API}/citations/{citation.pk}/", {"quote": "x\x1fy"}, format="json")
    assert response.status_code == 400
    assert "quote" in response.json()
    response = editor.patch(f"{API}/transfers/{transfer.pk}/", {"notes": "x\x02"}, format="json")
    assert response.status_code == 400
    assert "notes" in response.json()
    assert Citation.objects.get(pk=citation.pk).quote == citation.quote
    transfer.refresh_from_db()
    assert transfer.notes == ""


def test_multi_line_text_keeps_line_breaks_and_tabs(editor):
    response = editor.post(
        f"{API}/actors/",
        {**NEW_ACTOR, "description": "First line\r\nsecond\tline"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert Actor.objects.get().description == "First line\r\nsecond\tline"


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (
            "actors.actor",
            {"name": "Bad\x01\x0b\x1fName", "slug": "bad", "kind": "state", "country": "BY"},
            "name",
        ),
        (
            "transfers.system",
            {"designation": "Tor\x1bM1", "slug": "tor", "category": "air_defence"},
            "designation",
        ),
        ("sources.source", {"slug": "s", "title": "T\x07", "kind": "news"}, "title"),
    ],
)
def test_the_admin_shows_a_form_error(admin_client, model, data, field):
    form = {
        "aliases": "",
        "authors": "",
        "language": "en",
        "reliability": "F",
        **data,
    }
    response = admin_client.post(reverse(f"admin:{model.replace('.', '_')}_add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert "control character" in errors[field][0]
    assert not (Actor.objects.exists() or System.objects.exists() or Source.objects.exists())


#: The admin's add form for an actor, without its aliases and change reason.
BELARUS_FORM = {
    "name": "Belarus",
    "slug": "belarus",
    "kind": "state",
    "country": "BY",
    # The relations inline, left empty.
    "relations-TOTAL_FORMS": "0",
    "relations-INITIAL_FORMS": "0",
}


def test_a_change_reason_with_a_control_character_is_a_400_and_nothing_is_written(editor):
    actor = ActorFactory(name="Belarus")
    response = editor.patch(
        f"{API}/actors/{actor.pk}/",
        {"name": "Belarus (state)"},
        format="json",
        HTTP_X_CHANGE_REASON="per\tthe article",  # a tab passes HTTP
    )
    assert response.status_code == 400, response.content
    assert "control character (U+0009)" in response.json()["X-Change-Reason"][0]
    actor.refresh_from_db()
    assert actor.name == "Belarus"
    assert actor.history.count() == 1


def test_the_admin_refuses_a_change_reason_with_a_control_character(admin_client):
    form = {
        **BELARUS_FORM,
        "aliases": "",
        "change_reason": "per\x01the article",
    }
    response = admin_client.post(reverse("admin:actors_actor_add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "control character (U+0001)" in errors["change_reason"][0]
    assert not Actor.objects.exists()


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x85"])
def test_the_admin_refuses_an_alias_with_a_line_break_no_browser_sends(admin_client, separator):
    # str.splitlines() took each of these for a line break and made two aliases.
    form = {
        **BELARUS_FORM,
        "aliases": f"Fine\r\nBela{separator}rus",
    }
    response = admin_client.post(reverse("admin:actors_actor_add"), form)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "control character" in errors["aliases"][0], errors
    assert not Actor.objects.exists()


def test_the_admin_takes_one_alias_a_line_as_a_browser_sends_them(admin_client):
    form = {
        **BELARUS_FORM,
        # U+2028 is a separator, not a control character: it stays in its alias.
        "aliases": "Byelorussia\r\nWhite Russia\n\rBiela\u2028ruś",
    }
    response = admin_client.post(reverse("admin:actors_actor_add"), form)
    assert response.status_code == 302
    assert Actor.objects.get().aliases == ["Byelorussia", "White Russia", "Biela\u2028ruś"]
