"""The measurement (issue 15 §5): recall on the seeds is pinned, and
precision is what the candidates really score, recounted here."""

import pytest
from django.core.management import CommandError, call_command

from assistant.evaluation import (
    cited_transfers,
    evaluate_articles,
    evaluate_seeds,
    large_document,
)

from .conftest import FIXTURE

#: Recall on the five seed documents: the issue asks for 80 % or more.
SEED_RECALL_AT_LEAST = 0.80


@pytest.fixture(scope="module")
def seed_scores(seed_assistant, seed_records, seed_texts):
    return evaluate_seeds(seed_assistant, seed_records, seed_texts)


def test_recall_on_the_seeds_is_at_least_eighty_percent(seed_scores):
    transfers = sum(score.transfers for score in seed_scores)
    found = sum(score.found for score in seed_scores)
    assert transfers == 38  # the fixture's transfers cited in the five documents
    assert found / transfers >= SEED_RECALL_AT_LEAST, [s.missed for s in seed_scores]


def test_every_seed_document_the_fixture_cites_is_scored(seed_scores, seed_records):
    assert [score.name for score in seed_scores] == sorted(cited_transfers(seed_records))


def test_precision_is_the_share_of_candidates_that_find_a_fixture_transfer(
    seed_scores, seed_assistant, seed_records, seed_texts
):
    """Recount each document's matching candidates independently of the
    evaluation's own code: same triple, quote overlapping a fixture quote."""
    cited = cited_transfers(seed_records)
    for score in seed_scores:
        text = seed_texts[score.name]
        spans = {
            triple: [(text.index(q), text.index(q) + len(q)) for q in quotes]
            for triple, quotes in cited[score.name].items()
        }
        claims = seed_assistant.read(text).claims
        matching = sum(
            any(c.start < end and start < c.end for start, end in spans.get(triple, []))
            for c in claims
            for triple in [(c.supplier, c.recipient, c.system)]
        )
        assert (score.candidates, score.matching) == (len(claims), matching)
        assert score.precision == matching / len(claims)
    assert 0 < sum(s.matching for s in seed_scores) < sum(s.candidates for s in seed_scores)


def test_the_own_articles_are_scored_by_name(seed_assistant, seed_known):
    scores = evaluate_articles(seed_assistant, seed_known)
    assert [s.name for s in scores] == [
        "north_korea_russia.txt",
        "turkey_drones.txt",
        "china_customers.txt",
    ]
    assert all(s.transfers and s.candidates for s in scores)
    assert all(0 <= s.found <= s.transfers and s.matching <= s.candidates for s in scores)


def test_the_large_document_is_built_to_size():
    assert len(large_document(["abc", "defgh"], size=1000)) == 1000
    with pytest.raises(ValueError):
        large_document([""])


def test_the_command_prints_the_table(capsys):
    call_command("evaluate_assistant", "--fixture", str(FIXTURE))
    output = capsys.readouterr().out
    assert "all seed documents" in output
    assert "all own articles" in output
    assert "100,000 characters" in output
    for name in ("000_e904a9b73d8ade11", "004_74e7ea392bec1f18", "turkey_drones.txt"):
        assert name in output


def test_the_command_says_what_is_missing(tmp_path):
    with pytest.raises(CommandError, match="No fixture"):
        call_command("evaluate_assistant", "--fixture", str(tmp_path / "none.json"))
    with pytest.raises(CommandError, match="No folder of documents"):
        call_command("evaluate_assistant", "--documents", str(tmp_path / "nowhere"))
