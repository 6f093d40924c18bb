"""Candidate claims: roles from the wording, stage, hedges, attribution,
dates with their precision, exact quote spans and stable keys."""

import datetime
import random

import pytest

from assistant.extraction import Assistant

from .conftest import SMALL_KNOWN


def triples(assistant, text):
    return {(c.supplier, c.recipient, c.system) for c in assistant.read(text).claims}


def only_claim(assistant, text):
    claims = assistant.read(text).claims
    assert len(claims) == 1, claims
    return claims[0]


@pytest.mark.parametrize(
    "text",
    [
        "Russia supplied Iran with the S-300 in 2016.",
        "Russia shipped the S-300 to Iran.",
        "The S-300 went from Russia to Iran.",
        "Iran's purchase of the S-300 from Russia was completed.",
        "Russia's delivery of the S-300 to Iran was completed.",
        "The S-300 was sent to Iran by Russia.",
        "Iran bought the S-300 from Russia.",
    ],
)
def test_the_wording_says_who_supplies_and_who_receives(assistant, text):
    assert triples(assistant, text) == {("russia", "iran", "s-300")}


def test_listed_recipients_each_get_a_claim(assistant):
    text = "Iran sends missiles to Hezbollah, Syria and Russia."
    assert triples(assistant, text) == {
        ("iran", "hezbollah", "missile-unspecified"),
        ("iran", "syria", "missile-unspecified"),
        ("iran", "russia", "missile-unspecified"),
    }


def test_a_sponsor_is_no_party(assistant):
    text = "Iran-backed Hashd al-Sha’bi militants shipped missiles to Russia."
    assert triples(assistant, text) == {("hashd-al-shabi", "russia", "missile-unspecified")}


def test_materiel_seen_with_a_holder_has_an_unknown_supplier(assistant):
    text = "Israel's air force flew exercises against Greek S-300 systems."
    assert triples(assistant, text) == {("unknown-supplier", "greece", "s-300")}


def test_without_an_unknown_supplier_record_the_supplier_stays_open():
    records = [r for r in SMALL_KNOWN if r.key != "unknown-supplier"]
    claims = Assistant(records).read("Israel's air force flew exercises against Greek S-300s.")
    assert {(c.supplier, c.recipient) for c in claims.claims} == {(None, "greece")}


def test_a_sentence_with_no_parties_takes_them_up_from_the_one_before(assistant):
    text = "Iran wishes to procure weapons from Russia. The list includes the Su-35."
    claim = next(c for c in assistant.read(text).claims if c.system == "su-35")
    assert (claim.supplier, claim.recipient) == ("russia", "iran")
    assert claim.supplier_is_inferred and claim.recipient_is_inferred


def test_an_unknown_supplier_state_is_offered_as_a_new_actor(assistant):
    claim = only_claim(assistant, "North Korea shipped artillery shells to Russia.")
    assert (claim.supplier, claim.new_supplier, claim.recipient) == (None, "North Korea", "russia")
    assert (claim.system, claim.new_system) == (None, "artillery shells")
    assert claim.new_actors == ("North Korea",)


@pytest.mark.parametrize(
    ("text", "stage"),
    [
        ("Iran is seeking the Su-35 from Russia.", "requested"),
        ("Iran wants the Su-35 from Russia.", "requested"),
        ("Russia agreed to send the Su-35 to Iran.", "agreed"),
        ("Russia signed a deal to supply the Su-35 to Iran.", "agreed"),
        ("Russia shipped the Su-35 to Iran.", "delivered"),
        ("Russia delivered the Su-35 to Iran.", "delivered"),
        ("Russia is supplying the Su-35 to Iran.", "delivering"),
        ("Russia cancelled the sale of the Su-35 to Iran.", "cancelled"),
        ("Israel seized missiles headed for Hezbollah.", "interdicted"),
        ("Israel destroyed deliveries of missiles headed for Hezbollah.", "interdicted"),
        ("Iran is in talks to obtain the Su-35 from Russia.", "under_discussion"),
    ],
)
def test_the_wording_gives_the_stage(assistant, text, stage):
    assert {c.stage for c in assistant.read(text).claims} == {stage}


def test_training_is_a_transfer_of_its_own_type(assistant):
    text = "Hezbollah and the IRGC were training Russian troops to operate the Raad."
    claims = assistant.read(text).claims
    assert {(c.supplier, c.recipient, c.system) for c in claims} == {
        ("hezbollah", "russia", "raad"),
        ("irgc", "russia", "raad"),
    }
    assert {(c.stage, c.transfer_type) for c in claims} == {("delivering", "training")}


@pytest.mark.parametrize(
    ("text", "hedges"),
    [
        ("Russia may have shipped the S-300 to Iran.", ("may",)),
        ("Russia probably shipped the S-300 to Iran.", ("probably",)),
        ("Russia reportedly shipped the S-300 to Iran.", ("reportedly",)),
        ("Officials never confirmed that Russia shipped the S-300 to Iran.", ("never confirmed",)),
    ],
)
def test_hedges_weaken_the_stance(assistant, text, hedges):
    claim = only_claim(assistant, text)
    assert (claim.hedges, claim.stance) == (hedges, "supports_hedged")


def test_a_month_name_is_no_hedge(assistant):
    claim = only_claim(assistant, "In May 2021 Russia shipped the S-300 to Iran.")
    assert (claim.hedges, claim.stance) == ((), "supports")


def test_a_denial_contradicts_and_neither_confirmed_nor_denied_only_hedges(assistant):
    denied = only_claim(assistant, "Russia denied that the S-300 had been sent to Iran.")
    assert (denied.stance, denied.supplier, denied.recipient) == ("contradicts", "russia", "iran")
    hedged = only_claim(
        assistant, "Israel has neither confirmed nor denied seizing missiles headed for Hezbollah."
    )
    assert hedged.stance == "supports_hedged"


@pytest.mark.parametrize(
    ("text", "attributed_to", "key"),
    [
        ("Syria reported that Iran shipped the Raad to Hezbollah.", "Syria", "syria"),
        ("According to Syria, Iran shipped the Raad to Hezbollah.", "Syria", "syria"),
        ("Iran shipped the Raad to Hezbollah, the IRGC said.", "the IRGC", "irgc"),
        ("According to an unnamed officer cited by The Times, Iran shipped the Raad to Hezbollah.",
         "an unnamed officer", None),
        ("Ukrainian intelligence said that Iran shipped the Raad to Hezbollah.",
         "Ukrainian intelligence", None),
    ],
)  # fmt: skip
def test_the_attribution_is_in_the_texts_words_and_no_party(assistant, text, attributed_to, key):
    claim = only_claim(assistant, text)
    assert (claim.attributed_to, claim.attributed_to_key) == (attributed_to, key)
    assert (claim.supplier, claim.recipient, claim.system) == ("iran", "hezbollah", "raad")


@pytest.mark.parametrize(
    ("text", "date", "precision"),
    [
        ("On Feb. 12, 2024, Iran shipped the Raad to Hezbollah.", datetime.date(2024, 2, 12),
         "day"),
        ("On 12 February 2024 Iran shipped the Raad to Hezbollah.", datetime.date(2024, 2, 12),
         "day"),
        ("In March and April 2022 Iran shipped the Raad to Hezbollah.", datetime.date(2022, 3, 1),
         "month"),
        ("Iran shipped the Raad to Hezbollah in 2010.", datetime.date(2010, 1, 1), "year"),
    ],
)  # fmt: skip
def test_a_stated_date_comes_with_its_precision(assistant, text, date, precision):
    claim = only_claim(assistant, text)
    assert (claim.date, claim.date_precision, claim.date_is_inferred) == (date, precision, False)


def test_a_relative_date_is_worked_out_only_from_the_documents_date(assistant):
    text = "Last December Iran shipped the Raad to Hezbollah."
    undated = only_claim(assistant, text)
    assert (undated.date, undated.date_precision, undated.date_text) == (None, "", "Last December")
    dated = assistant.read(text, published=datetime.date(2015, 1, 21)).claims[0]
    assert (dated.date, dated.date_precision, dated.date_is_inferred) == (
        datetime.date(2014, 12, 1),
        "month",
        True,
    )


def test_every_claims_quote_is_its_exact_span_over_all_seeds(seed_assistant, seed_texts):
    count = 0
    for name, text in seed_texts.items():
        for claim in seed_assistant.read(text).claims:
            assert text[claim.start : claim.end] == claim.quote, name
            count += 1
    assert count > 0


def test_markup_is_masked_without_moving_offsets(assistant):
    text = "*Ha’aretz* [reported](#) that Russia [shipped](#) the S-300 to Iran."
    claim = only_claim(assistant, text)
    assert text[claim.start : claim.end] == claim.quote
    assert (claim.supplier, claim.recipient, claim.attributed_to) == ("russia", "iran", "Ha’aretz")


def test_reading_again_gives_the_same_keys(seed_known, seed_texts):
    """Keys do not depend on the run nor on the order the caller lists its
    known records in, so a second run proposes no duplicates."""
    shuffled = list(seed_known)
    random.Random(15).shuffle(shuffled)
    first, second = Assistant(seed_known), Assistant(shuffled)
    for text in seed_texts.values():
        keys = [c.key for c in first.read(text).claims]
        assert keys == [c.key for c in first.read(text).claims]
        assert keys == [c.key for c in second.read(text).claims]
        assert len(set(keys)) == len(keys)


def test_a_different_reading_has_a_different_key(assistant):
    shipped = only_claim(assistant, "Russia shipped the S-300 to Iran.")
    agreed = only_claim(assistant, "Russia agreed to ship the S-300 to Iran.")
    assert shipped.key != agreed.key
