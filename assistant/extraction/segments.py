"""Sentences and clauses, as exact spans of the original text.

Markdown in a text (`[reported](#)`, `*Moscow Times*`, `## heading`) is
masked with spaces of the same length before splitting, so the splitter
sees plain prose and every offset still points into the original. Each
line is split on its own: pysbd is slow on long inputs and a line break
ends a sentence in every text we read (paragraphs, headings, list items).
A sentence is cut into clauses at a semicolon, at ", but", and after a
leading "While …," / "Although …," clause, which often carries its own
claim or hedge ("While officials never confirmed whether …").
"""

import re
from dataclasses import dataclass

import pysbd

_LINK = re.compile(r"\[(?P<label>[^\]\n]*)\]\([^)\n]*\)")
_EMPHASIS = re.compile(r"(?<![\w*])[*_]+|[*_]+(?![\w*])")
_HEADING = re.compile(r"^[ \t]*#+", re.MULTILINE)
_LEADING_SUBORDINATE = re.compile(
    r"^(?:While|Although|Though|Whereas|Even though|Despite)\b[^,;]*,\s*", re.IGNORECASE
)
_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=but\b)")


@dataclass(frozen=True)
class Span:
    """A stretch of the text: [start, end)."""

    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence, its clauses, and the paragraph (line) it belongs to."""

    span: Span
    clauses: tuple[Span, ...]
    paragraph: int


def mask_markup(text: str) -> str:
    """The text with link syntax, emphasis and heading marks as spaces."""

    def blank_link(match: re.Match) -> str:
        label = match["label"]
        return " " + label + " " * (len(match.group()) - len(label) - 1)

    masked = _LINK.sub(blank_link, text)
    masked = _EMPHASIS.sub(lambda match: " " * len(match.group()), masked)
    masked = _HEADING.sub(lambda match: " " * len(match.group()), masked)
    return masked.replace("\\$", " $")


def _trimmed(masked: str, start: int, end: int) -> Span | None:
    """The span without the whitespace at its ends, None if nothing is left."""
    while start < end and masked[start].isspace():
        start += 1
    while end > start and masked[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


class SentenceSplitter:
    """Splits texts into sentences and clauses (one pysbd segmenter, reused)."""

    def __init__(self):
        self.segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)

    def split(self, masked: str) -> list[Sentence]:
        """The sentences of a masked text, in order."""
        sentences = []
        offset = 0
        for paragraph, line in enumerate(masked.split("\n")):
            if line.strip():
                for piece in self.segmenter.segment(line):
                    span = _trimmed(masked, offset + piece.start, offset + piece.end)
                    if span:
                        sentences.append(Sentence(span, clauses(masked, span), paragraph))
            offset += len(line) + 1
        return sentences


def clauses(masked: str, sentence: Span) -> tuple[Span, ...]:
    """The clauses of a sentence (see the module docstring)."""
    text = masked[sentence.start : sentence.end]
    cuts = [0]
    if lead := _LEADING_SUBORDINATE.match(text):
        cuts.append(lead.end())
    cuts += [match.end() for match in _CLAUSE_BREAK.finditer(text) if match.end() > cuts[-1]]
    cuts.append(len(text))
    spans = []
    for begin, finish in zip(cuts, cuts[1:], strict=False):
        span = _trimmed(masked, sentence.start + begin, sentence.start + finish)
        if span:
            spans.append(_without_trailing_separator(masked, span))
    return tuple(spans)


def _without_trailing_separator(masked: str, span: Span) -> Span:
    """A clause without the comma or semicolon that ends it."""
    end = span.end
    while end > span.start + 1 and masked[end - 1] in ",;":
        end -= 1
    return Span(span.start, end)
