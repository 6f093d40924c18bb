"""Folded text: names compared the way a reader compares them.

A name is found whatever its case, accents or script (anyascii), whether
it is written with an apostrophe or not (Sha'bi, Sha’bi, Shabi), with a
hyphen or a space (Al-Nusra, Al Nusra). Every other character becomes a
space, so a match is a whole-word match when a space (or the text's end)
is on both sides. The folded text keeps, for each of its characters, the
index of the original character it came from, so a match maps back to an
exact span of the original.

The skeleton goes one step further for transliterations: each run of
vowels is one vowel and a doubled letter is one letter, so Shahed and
Shahid, Shaabi and Shabi, Hizballah and Hezbollah fold alike. It is only
used for long names (see `SKELETON_MIN_LETTERS`), where a collision is
unlikely.
"""

from dataclasses import dataclass

from anyascii import anyascii

APOSTROPHES = "'`"
VOWELS = "aeiou"
DIGRAPH_HEADS = "skgz"
#: Shorter names match only exactly: "Raad" and "read" share a skeleton.
SKELETON_MIN_LETTERS = 5


@dataclass(frozen=True)
class Folded:
    """A folded string and, per character, the original index it came from
    (and, where one folded character stands for several, the index past
    the last of them)."""

    text: str
    origin: tuple[int, ...]
    ends: tuple[int, ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that folded[start:end] came from."""
        last = self.ends[end - 1] if self.ends else self.origin[end - 1] + 1
        return self.origin[start], last

    def is_word_boundary(self, index: int) -> bool:
        """Whether a match may start or end at `index` (a space or an end)."""
        return index <= 0 or index >= len(self.text) or self.text[index] == " "


def _is_possessive(text: str, index: int) -> bool:
    """Whether the apostrophe at `index` starts a possessive "'s" ending a word."""
    after = index + 1
    if after >= len(text) or text[after] not in "sS":
        return False
    return after + 1 >= len(text) or not text[after + 1].isalnum()


def fold(text: str) -> Folded:
    """Fold `text` (see the module docstring); offsets map back exactly.

    A possessive "'s" becomes a separate word (Tehran's → "tehran s"), so
    the name before it is still a whole word; any other apostrophe is
    dropped (Sha'bi → "shabi").
    """
    chars: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        for folded in anyascii(character).lower():
            if folded.isalnum():
                chars.append(folded)
                origin.append(index)
            elif folded in APOSTROPHES and not _is_possessive(text, index):
                continue
            elif chars and chars[-1] != " ":
                chars.append(" ")
                origin.append(index)
    return Folded("".join(chars), tuple(origin))


def fold_name(name: str) -> str:
    """A name as the folded text would show it, without outer spaces."""
    return fold(name).text.strip()


def skeleton(folded: Folded) -> Folded:
    """The transliteration skeleton of a folded text, offsets kept: vowel
    runs are one vowel, doubled letters one letter, and the digraphs that
    transliterate one letter (sh, kh, gh, zh: Š, Ḫ, Ġ, Ž) their first letter."""
    chars: list[str] = []
    origin: list[int] = []
    ends: list[int] = []
    text = folded.text
    for position, (character, index) in enumerate(zip(text, folded.origin, strict=True)):
        if character in VOWELS:
            character = "a"
        digraph_tail = character == "h" and position and text[position - 1] in DIGRAPH_HEADS
        if chars and character.isalpha() and (chars[-1] == character or digraph_tail):
            ends[-1] = index + 1
            continue
        chars.append(character)
        origin.append(index)
        ends.append(index + 1)
    return Folded("".join(chars), tuple(origin), tuple(ends))


def skeleton_name(name: str) -> str:
    """The skeleton of a name, comparable with `skeleton(fold(text))`."""
    return skeleton(fold(name)).text.strip()


def letter_count(folded_name: str) -> int:
    """How many letters a folded name has (digits and spaces not counted)."""
    return sum(character.isalpha() for character in folded_name)
