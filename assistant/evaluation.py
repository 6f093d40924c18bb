"""How well the assistant reads, measured against the seed (issue 15 §5).

The assistant knows the fixture's actors and systems but not its transfers,
reads each seed document, and its candidates are compared with the
fixture's transfers cited in that document. A fixture transfer is *found*
when some candidate has its (supplier, recipient, system) and a quote
overlapping one of the transfer's quotes in that document (recall: found ÷
transfers). A candidate *matches* when it finds some fixture transfer that
way (precision: matching ÷ candidates). The articles in
`evaluation_articles/` are scored the same way against `expected.json`,
by name, since their actors and systems are new to the fixture.

Reads files only: no database.
"""

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .extraction import Assistant, CandidateClaim, KnownName
from .extraction.folding import fold_name
from .extraction.names import build_name_table

ARTICLES_DIR = Path(__file__).resolve().parent / "evaluation_articles"
LARGE_DOCUMENT_CHARS = 100_000


@dataclass(frozen=True)
class Expected:
    """A transfer a document states: its parties and system, and its quotes."""

    suppliers: frozenset[str]
    recipients: frozenset[str]
    systems: frozenset[str]
    quotes: tuple[tuple[int, int], ...]
    label: str


@dataclass
class Score:
    """One document's (or several documents') figures."""

    name: str
    transfers: int = 0
    found: int = 0
    candidates: int = 0
    matching: int = 0
    milliseconds: float = 0.0
    missed: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.found / self.transfers if self.transfers else None

    @property
    def precision(self) -> float | None:
        return self.matching / self.candidates if self.candidates else None

    def add(self, other: "Score") -> None:
        self.transfers += other.transfers
        self.found += other.found
        self.candidates += other.candidates
        self.matching += other.matching
        self.milliseconds += other.milliseconds
        self.missed += other.missed


@dataclass
class Evaluation:
    """The seed documents' scores, their total, the own articles' scores,
    and the time to read a large document."""

    documents: list[Score]
    total: Score
    articles: list[Score]
    articles_total: Score
    large_document_chars: int
    large_document_milliseconds: float


def load_fixture(path: Path) -> list[dict]:
    with Path(path).open(encoding="utf-8") as handle:
        return json.load(handle)


def known_names(records: list[dict]) -> list[KnownName]:
    """The fixture's actors and systems as the assistant's known names."""
    known = []
    for record in records:
        fields = record["fields"]
        if record["model"] == "actors.actor":
            names = (fields["name"], *fields.get("aliases", []))
            known.append(
                KnownName("actor", fields["slug"], names, fields.get("country", ""), fields["kind"])
            )
        elif record["model"] == "transfers.system":
            nato = fields.get("nato_reporting_name") or ""
            names = (fields["designation"], *fields.get("aliases", []), *([nato] if nato else []))
            known.append(KnownName("system", fields["slug"], names))
    return known


def cited_transfers(records: list[dict]) -> dict[str, dict[tuple, list[str]]]:
    """document key → (supplier, recipient, system) → the quotes citing it there."""
    documents = {
        record["fields"]["slug"]: record["fields"].get("document_key") or ""
        for record in records
        if record["model"] == "sources.source"
    }
    triples = {
        record["fields"]["slug"]: (
            record["fields"]["supplier"][0],
            record["fields"]["recipient"][0],
            record["fields"]["system"][0],
        )
        for record in records
        if record["model"] == "transfers.transfer"
    }
    cited: dict[str, dict[tuple, list[str]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record["model"] != "transfers.citation":
            continue
        fields = record["fields"]
        document = documents.get(fields["source"][0])
        if document:
            quotes = cited[document][triples[fields["transfer"][0]]]
            if fields["quote"] not in quotes:
                quotes.append(fields["quote"])
    return cited


def _quote_spans(text: str, quotes: list[str], where: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for quote in quotes:
        start = text.find(quote)
        if start < 0:
            raise ValueError(f"{where}: quote not in the text: {quote[:60]!r}")
        spans.append((start, start + len(quote)))
    return tuple(spans)


def _overlaps(claim: CandidateClaim, spans) -> bool:
    return any(claim.start < end and start < claim.end for start, end in spans)


def score(name: str, claims, expected: list[Expected], matches, milliseconds: float) -> Score:
    """Recall and precision of `claims` against `expected`; `matches(claim,
    transfer)` says whether a claim names the transfer's parties and system."""

    def finds(claim, transfer) -> bool:
        return matches(claim, transfer) and _overlaps(claim, transfer.quotes)

    found = [t for t in expected if any(finds(c, t) for c in claims)]
    return Score(
        name=name,
        transfers=len(expected),
        found=len(found),
        candidates=len(claims),
        matching=sum(any(finds(c, t) for t in expected) for c in claims),
        milliseconds=milliseconds,
        missed=[f"{name}: {t.label}" for t in expected if t not in found],
    )


def _timed_read(assistant: Assistant, text: str):
    started = time.perf_counter()
    extraction = assistant.read(text)
    return extraction, (time.perf_counter() - started) * 1000


def _seed_expected(text: str, transfers: dict[tuple, list[str]], where: str) -> list[Expected]:
    return [
        Expected(
            frozenset({supplier}),
            frozenset({recipient}),
            frozenset({system}),
            _quote_spans(text, quotes, where),
            f"{supplier} → {recipient}: {system}",
        )
        for (supplier, recipient, system), quotes in sorted(transfers.items())
    ]


def _by_key(claim: CandidateClaim, transfer: Expected) -> bool:
    return (
        claim.supplier in transfer.suppliers
        and claim.recipient in transfer.recipients
        and claim.system in transfer.systems
    )


def stored_texts(records: list[dict]) -> dict[str, str]:
    """document key → the latest text the fixture stores for that source."""
    keys = {
        record["fields"]["slug"]: record["fields"].get("document_key") or ""
        for record in records
        if record["model"] == "sources.source"
    }
    latest: dict[str, tuple[int, str]] = {}
    for record in records:
        if record["model"] != "sources.sourcetext":
            continue
        fields = record["fields"]
        key = keys.get(fields["source"][0])
        if key and fields["version"] > latest.get(key, (0, ""))[0]:
            latest[key] = (fields["version"], fields["text"])
    return {key: text for key, (_version, text) in latest.items()}


def document_texts(records: list[dict], documents_dir: Path | None) -> dict[str, str]:
    """The seed documents' texts: stored in the fixture, or read from
    `<documents_dir>/<document_key>.txt` when a folder is given."""
    if documents_dir is None:
        return stored_texts(records)
    return {
        key: (Path(documents_dir) / f"{key}.txt").read_text(encoding="utf-8")
        for key in cited_transfers(records)
    }


def evaluate_seeds(assistant: Assistant, records: list[dict], texts: dict[str, str]) -> list[Score]:
    """One score per seed document the fixture cites."""
    scores = []
    for document, transfers in sorted(cited_transfers(records).items()):
        if document not in texts:
            raise ValueError(f"No text of the seed document {document}.")
        text = texts[document]
        extraction, milliseconds = _timed_read(assistant, text)
        expected = _seed_expected(text, transfers, document)
        scores.append(score(document, extraction.claims, expected, _by_key, milliseconds))
    return scores


class NameMatcher:
    """Says whether a claim's parties and system carry an expected name:
    a known record by any of the names the assistant finds it by, a new
    one by the name it proposes; compared folded."""

    def __init__(self, known: list[KnownName]):
        self.names_of: dict[str, set[str]] = defaultdict(set)
        for pattern, entry in build_name_table(known).items():
            if entry.key:
                self.names_of[entry.key].add(pattern)

    def _names(self, key: str | None, new_name: str) -> set[str]:
        return set(self.names_of.get(key, set())) if key else {fold_name(new_name)}

    def __call__(self, claim: CandidateClaim, transfer: Expected) -> bool:
        return (
            _any_names_agree(self._names(claim.supplier, claim.new_supplier), transfer.suppliers)
            and _any_names_agree(
                self._names(claim.recipient, claim.new_recipient), transfer.recipients
            )
            and _any_names_agree(self._names(claim.system, claim.new_system), transfer.systems)
        )


def _names_agree(found: str, expected: str) -> bool:
    """Whether two folded names are one, or one is a run of the other's words
    ("hangor class" in "hangor class submarine", "tb2" in "bayraktar tb2")."""
    shorter, longer = sorted((found.split(), expected.split()), key=len)
    if not shorter:
        return False
    return any(
        longer[start : start + len(shorter)] == shorter
        for start in range(len(longer) - len(shorter) + 1)
    )


def _any_names_agree(found: set[str], expected: frozenset[str]) -> bool:
    return any(_names_agree(f, e) for f in found for e in expected)


def _folded(names: list[str]) -> frozenset[str]:
    return frozenset(fold_name(name) for name in names)


def evaluate_articles(
    assistant: Assistant, known: list[KnownName], articles_dir: Path = ARTICLES_DIR
) -> list[Score]:
    """One score per own article, against `expected.json` by name."""
    specification = json.loads((Path(articles_dir) / "expected.json").read_text(encoding="utf-8"))
    matcher = NameMatcher(known)
    scores = []
    for article in specification["articles"]:
        text = (Path(articles_dir) / article["file"]).read_text(encoding="utf-8")
        expected = [
            Expected(
                _folded(t["supplier"]),
                _folded(t["recipient"]),
                _folded(t["system"]),
                _quote_spans(text, t["quotes"], article["file"]),
                f"{t['supplier'][0]} → {t['recipient'][0]}: {t['system'][0]}",
            )
            for t in article["transfers"]
        ]
        extraction, milliseconds = _timed_read(assistant, text)
        scores.append(score(article["file"], extraction.claims, expected, matcher, milliseconds))
    return scores


def large_document(texts: list[str], size: int = LARGE_DOCUMENT_CHARS) -> str:
    """The texts repeated, a blank line apart, until the result has `size` characters."""
    if not any(texts):
        raise ValueError("no text to build a large document from")
    parts: list[str] = []
    length = 0
    while length < size:
        for text in texts:
            parts.append(text)
            length += len(text) + 2
    return "\n\n".join(parts)[:size]


def _total(name: str, scores: list[Score]) -> Score:
    total = Score(name)
    for each in scores:
        total.add(each)
    return total


def evaluate(
    fixture: Path, documents_dir: Path | None = None, articles_dir: Path = ARTICLES_DIR
) -> Evaluation:
    """The whole measurement: seeds, own articles and a large document. The
    seeds' texts are the fixture's stored ones unless `documents_dir` is given."""
    records = load_fixture(fixture)
    known = known_names(records)
    assistant = Assistant(known)
    texts = document_texts(records, documents_dir)
    documents = evaluate_seeds(assistant, records, texts)
    articles = evaluate_articles(assistant, known, articles_dir)
    big = large_document([texts[d.name] for d in documents])
    _extraction, milliseconds = _timed_read(assistant, big)
    return Evaluation(
        documents=documents,
        total=_total("all seed documents", documents),
        articles=articles,
        articles_total=_total("all own articles", articles),
        large_document_chars=len(big),
        large_document_milliseconds=milliseconds,
    )
