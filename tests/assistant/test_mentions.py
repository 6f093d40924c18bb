"""Mentions: known names found whatever their case, accents, apostrophes or
transliteration, on word boundaries; states by demonym; unknown
designations and organisations offered as new records."""

import pytest


def mentions_of(assistant, text):
    return [(m.text, m.kind, m.key, m.how) for m in assistant.read(text).mentions]


@pytest.mark.parametrize(
    "spelling", ["Hashd al-Sha’bi", "Hashd al-Sha'bi", "Hashd al-Shaabi", "HASHD AL SHABI"]
)
def test_an_apostrophe_a_doubled_vowel_or_capitals_do_not_hide_a_name(assistant, spelling):
    found = assistant.read(f"Militants of the {spelling} shipped rockets.").mentions
    assert [(m.text, m.key) for m in found if m.kind == "actor"] == [(spelling, "hashd-al-shabi")]


@pytest.mark.parametrize("spelling", ["Shahed-136", "Shahid-136", "shahed 136", "Šahed-136"])
def test_a_transliterated_designation_is_the_known_system(assistant, spelling):
    found = assistant.read(f"Russia fired a {spelling} at Kyiv.").mentions
    assert [m.key for m in found if m.kind == "system"] == ["shahed-136"]


def test_a_transliteration_skeleton_needs_a_capital_and_a_long_name(assistant):
    # "raise" shares Russia's skeleton, "read" Raad's: neither is a mention
    found = assistant.read("They raise funds. Read the Raad report.").mentions
    assert [(m.text, m.key) for m in found] == [("Raad", "raad")]


def test_a_plural_designation_is_still_the_system(assistant):
    found = assistant.read("Iran sent Shahed-136s.").mentions
    assert [(m.text, m.key) for m in found if m.kind == "system"] == [("Shahed-136s", "shahed-136")]


def test_a_demonym_names_its_state(assistant):
    actors = [m for m in mentions_of(assistant, "An Iranian drone.") if m[1] == "actor"]
    assert actors == [("Iranian", "actor", "iran", "demonym")]


def test_a_name_inside_a_longer_word_is_no_mention(assistant):
    assert mentions_of(assistant, "The Iranium mine and Russiagate.") == []


def test_a_known_capital_stands_for_its_state(assistant):
    assert mentions_of(assistant, "Moscow said so.")[0][:3] == ("Moscow", "actor", "russia")


def test_an_acronym_is_matched_in_capitals_only(assistant):
    found = assistant.read("Let us see what the IRGC and the US do.").mentions
    assert [(m.text, m.key) for m in found] == [("IRGC", "irgc"), ("US", None)]


def test_the_longest_name_wins_over_a_demonym_inside_it(assistant):
    found = assistant.read("The Islamic Revolutionary Guard Corps trained them.").mentions
    assert [(m.text, m.key, m.how) for m in found] == [
        ("Islamic Revolutionary Guard Corps", "irgc", "name")
    ]


def test_an_unknown_state_is_offered_as_a_new_actor_under_its_name(assistant):
    found = assistant.read("North Korean shells reached Russia.").mentions
    assert [(m.text, m.key, m.how, m.name) for m in found] == [
        ("North Korean", None, "new", "North Korea"),
        ("shells", None, "new", "shells"),
        ("Russia", "russia", "name", ""),
    ]


@pytest.mark.parametrize("designation", ["S-500", "Mohajer-6", "Fath-360", "KN-23", "J-10C"])
def test_an_unknown_designation_is_offered_as_a_new_system(assistant, designation):
    found = assistant.read(f"Iran received the {designation} last year.").mentions
    systems = [(m.text, m.key, m.how) for m in found if m.kind == "system"]
    assert systems == [(designation, None, "new")]


def test_a_makers_name_before_a_designation_is_part_of_it(assistant):
    found = assistant.read("Ukraine flew the Bayraktar TB2 drones.").mentions
    assert ("Bayraktar TB2", None, "new") in [(m.text, m.key, m.how) for m in found]


def test_an_organisation_name_is_offered_as_a_new_actor(assistant):
    text = "The licence is signed by the Presidency of Defence Industries in Ankara."
    found = assistant.read(text).mentions
    assert ("Presidency of Defence Industries", "actor", None) in [
        (m.text, m.kind, m.key) for m in found
    ]


def test_a_slash_designation_names_both_systems(assistant):
    found = assistant.read("Shipment of the S-300/400 air defense system.").mentions
    assert [(m.text, m.key) for m in found if m.kind == "system"] == [
        ("S-300", "s-300"),
        ("400", "s-400"),
    ]


def test_every_mention_is_an_exact_span_of_the_seed_text(seed_assistant, seed_texts):
    for name, text in seed_texts.items():
        for mention in seed_assistant.read(text).mentions:
            assert text[mention.start : mention.end] == mention.text, name
