"""The selectors of a quote in a text, finding it again, and paragraphs
(sources.anchoring): pure functions, no database."""

from pathlib import Path

import pytest

from sources.anchoring import CONTEXT_LENGTH, anchor_at, location, occurrences, paragraphs, reanchor

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def test_anchor_at_keeps_the_context_on_both_sides():
    text = "x" * 50 + "the quote" + "y" * 50
    anchor = anchor_at(text, 50, 59)
    assert text[anchor.start : anchor.end] == "the quote"
    assert anchor.prefix == "x" * CONTEXT_LENGTH and anchor.suffix == "y" * CONTEXT_LENGTH
    near_start = anchor_at(text, 0, 3)
    assert near_start.prefix == "" and near_start.suffix == text[3 : 3 + CONTEXT_LENGTH]


@pytest.mark.parametrize("start,end", [(-1, 3), (3, 3), (5, 2), (0, 999)])
def test_anchor_at_refuses_what_is_not_a_passage(start, end):
    with pytest.raises(ValueError):
        anchor_at("a short text", start, end)


def test_occurrences_finds_every_place_overlapping_too():
    assert occurrences("abab ab", "ab") == [0, 2, 5]
    assert occurrences("aaa", "aa") == [0, 1]
    assert occurrences("abc", "") == []
    assert occurrences("abc", "zz") == []


def test_reanchor_prefers_the_matching_context_over_nearness():
    text = "In 2020 Russia sent drones. Later, in 2022, Russia sent drones."
    second = text.rindex("Russia sent drones")
    anchor = reanchor(
        text, "Russia sent drones", prefix="Later, in 2022, ", suffix=".", expected_start=0
    )
    assert anchor.start == second


def test_reanchor_takes_the_nearest_when_the_context_is_no_help():
    text = "drones. " * 10
    anchor = reanchor(text, "drones.", expected_start=41)
    assert anchor.start == 40


def test_reanchor_is_none_when_the_quote_is_gone():
    assert reanchor("The text was corrected.", "Russia sent drones") is None


def test_paragraphs_tell_body_from_headings_captions_and_furniture():
    text = (
        "# A title\n\n"
        "Photo: a launcher on parade (Reuters)\n\n"
        "The first paragraph says that Russia sent drones to Iran last year.\n\n"
        "Short label\n\n"
        "The second paragraph adds that the deal was signed in Tehran in May.\n\n"
        "More from the outlet\n\n"
        "An unrelated article teaser that is long enough to look like a body paragraph.\n"
    )
    kinds = [(p.kind, text[p.start : p.end][:12]) for p in paragraphs(text)]
    assert kinds == [
        ("heading", "# A title"),
        ("caption", "Photo: a lau"),
        ("body", "The first pa"),
        ("heading", "Short label"),
        ("body", "The second p"),
        ("furniture", "More from th"),
        ("furniture", "An unrelated"),
    ]
    assert location(text, text.index("deal was signed")) == "paragraph 2"
    assert location(text, text.index("launcher")) == "caption"
    assert location(text, text.index("teaser")) == "page furniture"
    assert location(text, text.index("A title")) == "heading"


def test_a_hard_wrapped_paragraph_is_one_paragraph_and_lines_without_blank_lines_are_many():
    wrapped = (
        "Russia agreed to sell the S-400 system to Turkey in a deal\n"
        "worth about two and a half billion dollars, officials said\n"
        "on Tuesday in Ankara.\n\nA second paragraph follows here with enough words.\n"
    )
    assert [p.kind for p in paragraphs(wrapped)] == ["body", "body"]
    unwrapped = (
        "The first line is a whole paragraph of body text, with a full stop.\n"
        "The second line is another paragraph, also of body text, ending well.\n"
    )
    assert len(paragraphs(unwrapped)) == 2


def test_a_paragraph_broken_by_a_stray_blank_line_is_rejoined():
    text = (
        "“This is worrying and demands an explanation,” the Russian\n\n"
        "foreign ministry spokesman said.\n"
    )
    (paragraph,) = paragraphs(text)
    assert (paragraph.start, paragraph.end) == (0, len(text) - 1)


def test_the_title_is_a_heading_even_with_a_full_stop():
    title = "Tehran’s Proxies Are on the Back Foot. A Pact Could Revive Them."
    text = f"{title}\nThe body begins here and runs on for long enough to count as body text.\n"
    assert [p.kind for p in paragraphs(text, title=title)] == ["heading", "body"]
    assert [p.kind for p in paragraphs(text)] == ["body", "body"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the project")
def test_the_seed_furniture_is_not_counted():
    cnas = (SEEDS / "003_5922c3010fd1f38b.txt").read_text()
    assert location(cnas, cnas.index("Read the full article")) == "page furniture"
    assert location(cnas, cnas.index("By Richard Fontaine")) == "page furniture"
    title = "Tehran’s Proxies Are on the Back Foot. An Iran-Russia Defense Pact Could Revive Them."
    assert location(cnas, cnas.index("The sudden collapse"), title=title) == "paragraph 1"
    column = (SEEDS / "002_76cf35c5299b26fe.txt").read_text()
    assert location(column, column.index("Physical Address")) == "page furniture"
    assert location(column, column.index("Russian President Vladimir Putin’s")) == "paragraph 1"


def test_segments_cut_the_text_where_passages_begin_and_end():
    from sources.anchoring import segments

    text = "Russia sent drones to Iran in 2022."
    pieces = segments(text, [(0, 18, "a"), (12, 26, "b"), (100, 120, "out of range")])
    assert "".join(piece for piece, _ in pieces) == text
    assert pieces == [
        ("Russia sent ", ("a",)),
        ("drones", ("a", "b")),
        (" to Iran", ("b",)),
        (" in 2022.", ()),
    ]
    assert segments("plain", []) == [("plain", ())]
