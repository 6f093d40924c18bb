"""Where a quote stands in a stored text, after the W3C Web Annotation
model's selectors: a TextPositionSelector (start and end offsets) and a
TextQuoteSelector (the exact quote with a little text before and after).

The offsets say where the quote is; the context lets it be found again when
the text changes (a corrected version), as Hypothesis re-anchors its
annotations: among the places the quote occurs in the new text, the one
whose surroundings match the old ones best, nearest where it was expected.
Pure functions over strings: no model here."""

import re
from dataclasses import dataclass

#: Characters of context kept on each side (Hypothesis keeps 32).
CONTEXT_LENGTH = 32


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    prefix: str
    suffix: str


def anchor_at(text: str, start: int, end: int) -> Anchor:
    """The selectors of text[start:end]."""
    if not 0 <= start < end <= len(text):
        raise ValueError(f"{start}–{end} is not a passage of a text of {len(text)} characters.")
    return Anchor(
        start=start,
        end=end,
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
    )


def occurrences(text: str, quote: str) -> list[int]:
    """Every offset at which `quote` occurs in `text` (overlapping ones too)."""
    found, start = [], text.find(quote)
    while quote and start != -1:
        found.append(start)
        start = text.find(quote, start + 1)
    return found


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def reanchor(
    text: str, quote: str, *, prefix: str = "", suffix: str = "", expected_start: int = 0
) -> Anchor | None:
    """Find the quote again in `text`: of its exact occurrences, the one
    whose context agrees most with the old `prefix` and `suffix` (characters
    matching next to the quote), then the nearest to `expected_start` (the
    old offset, scaled by the caller to the new length). None when the
    quote no longer occurs: the citation is then orphaned, for an editor."""
    starts = occurrences(text, quote)
    if not starts:
        return None

    def score(start: int) -> tuple[int, int]:
        end = start + len(quote)
        context = _common_suffix(text[max(0, start - len(prefix)) : start], prefix)
        context += _common_prefix(text[end : end + len(suffix)], suffix)
        return (-context, abs(start - expected_start))

    best = min(starts, key=score)
    return anchor_at(text, best, best + len(quote))


# Paragraphs ------------------------------------------------------------------

#: A body paragraph has at least this many words; a shorter line is a
#: heading, a dateline, an address or a label.
MIN_BODY_WORDS = 6
#: A line this long is body text even without a full stop at its end.
LONG_LINE_WORDS = 20
ENDS_A_SENTENCE = re.compile(r"[.!?:;…\"”’)\]]\s*$")
MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
CAPTION = re.compile(
    r"^\s*(?:!\[|(?:photo|image|picture|caption|credit|file photo)s?\b[:\s])"
    r"|\((?:[^()]*\b)?(?:images?|photos?|AP|AFP|Reuters|EPA|Getty)\)\s*$",
    re.IGNORECASE,
)
#: Lines that end the article: what follows them is the page's, not its.
END_OF_ARTICLE = re.compile(
    r"^\s*(?:more from|related(?: articles| stories)?|recommended|read more|"
    r"you may also like|share this)\b",
    re.IGNORECASE,
)
FURNITURE = re.compile(r"^\s*(?:read the full article|subscribe|sign up|advertisement)\b", re.I)


@dataclass(frozen=True)
class Paragraph:
    start: int
    end: int
    kind: str  # "body", "heading", "caption" or "furniture"


def _blocks(text: str):
    """(start, end) of each run of non-blank lines."""
    for match in re.finditer(r"[^\n]+(?:\n[ \t]*[^\s\n][^\n]*)*", text):
        if match.group().strip():
            yield match.start(), match.end()


def _lines(text: str, start: int, end: int):
    for match in re.finditer(r"[^\n]+", text[start:end]):
        if match.group().strip():
            yield start + match.start(), start + match.end()


def _is_hard_wrapped(lines: list[str]) -> bool:
    """A block whose lines are one paragraph wrapped at a fixed width (every
    line but the last of similar length, ending mid-sentence), as opposed to
    lines that are paragraphs each (texts saved without blank lines)."""
    if len(lines) < 2:
        return False
    widths = [len(line) for line in lines[:-1]]
    return (
        max(widths) <= 100
        and min(widths) >= 0.6 * max(widths)
        and not all(ENDS_A_SENTENCE.search(line) for line in lines[:-1])
    )


def _rejoin_broken(text: str, pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A paragraph broken by a stray blank line ("… Russian" / "foreign
    ministry spokesman … said.") is one paragraph: a piece that stops
    mid-sentence and a next piece that starts in lower case are joined."""
    joined: list[tuple[int, int]] = []
    for start, end in pieces:
        following = text[start:end].lstrip()
        if (
            joined
            and following[:1].islower()
            and not ENDS_A_SENTENCE.search(text[joined[-1][0] : joined[-1][1]])
        ):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def paragraphs(text: str, *, title: str = "") -> list[Paragraph]:
    """The text's paragraphs in order, each with its kind: body text, or a
    heading (markdown `#`, the document's title, a short line without a full
    stop), a caption, or page furniture (a line the page repeats, a "read
    the full article" link, everything from a "More from …" list on)."""
    pieces = []
    for start, end in _blocks(text):
        lines = list(_lines(text, start, end))
        if _is_hard_wrapped([text[a:b] for a, b in lines]):
            pieces.append((start, end))
        else:
            pieces.extend(lines)
    pieces = _rejoin_broken(text, pieces)
    seen: dict[str, int] = {}
    for start, end in pieces:
        key = text[start:end].strip()
        seen[key] = seen.get(key, 0) + 1

    found, ended = [], False
    for start, end in pieces:
        piece = text[start:end].strip()
        words = len(piece.split())
        if ended or END_OF_ARTICLE.search(piece):
            ended, kind = True, "furniture"
        elif FURNITURE.search(piece) or seen[piece] > 1:
            kind = "furniture"
        elif CAPTION.search(piece):
            kind = "caption"
        elif (
            MARKDOWN_HEADING.search(piece)
            or (title and piece.strip("#*_ ").rstrip(".") == title.strip().rstrip("."))
            or words < MIN_BODY_WORDS
            or (words < LONG_LINE_WORDS and not ENDS_A_SENTENCE.search(piece))
        ):
            kind = "heading"
        else:
            kind = "body"
        found.append(Paragraph(start, end, kind))
    return found


def location(text: str, start: int, *, title: str = "") -> str:
    """Where an offset stands, as an editor would say it: "paragraph 4",
    counting body paragraphs only; "heading", "caption" or "page furniture"
    when the quote is not in the body."""
    body = 0
    for paragraph in paragraphs(text, title=title):
        if paragraph.kind == "body":
            body += 1
        if paragraph.start <= start < paragraph.end:
            if paragraph.kind == "body":
                return f"paragraph {body}"
            return "page furniture" if paragraph.kind == "furniture" else paragraph.kind
    return ""


def segments(text: str, spans) -> list[tuple[str, tuple]]:
    """The text cut where any span begins or ends: (piece, keys of the spans
    covering it) in order, so that cited passages can be highlighted, each
    linked to its claims, overlapping ones included. `spans` are
    (start, end, key); the pieces joined give the text back exactly."""
    spans = [(start, end, key) for start, end, key in spans if 0 <= start < end <= len(text)]
    cuts = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = tuple(key for s, e, key in spans if s <= start and end <= e)
        pieces.append((text[start:end], covering))
    return pieces
