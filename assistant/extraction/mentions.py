"""Finding names in a text: known records by any of their names (one
Aho–Corasick automaton over the folded text, a second over its
transliteration skeleton), and names nobody knows yet that look like a
weapon designation ("KN-23", "Bayraktar TB2", "Hangor-class") or an
organisation ("Presidency of Defence Industries", "CNN")."""

import re
from dataclasses import dataclass

import ahocorasick

from .folding import (
    SKELETON_MIN_LETTERS,
    Folded,
    fold,
    letter_count,
    skeleton,
    skeleton_name,
)
from .lexicon import (
    HEADED_WEAPON_NOUNS,
    NOT_NAME_WORDS,
    NOT_ORGANISATION_ACRONYMS,
    ORGANISATION_HEADS,
    ORGANISATION_JOINERS,
    WEAPON_MODIFIERS,
    WEAPON_NOUNS,
)
from .names import ACTOR, SYSTEM, NameEntry
from .records import Mention


@dataclass(frozen=True)
class Found:
    """A mention with what the engine knows of the name behind it."""

    mention: Mention
    entry: NameEntry

    @property
    def start(self) -> int:
        return self.mention.start

    @property
    def end(self) -> int:
        return self.mention.end

    @property
    def kind(self) -> str:
        return self.mention.kind

    @property
    def key(self) -> str | None:
        return self.mention.key

    @property
    def label(self) -> str:
        """The record's key, or the proposed name of a new one."""
        return self.mention.key or self.mention.name


_DESIGNATION = re.compile(
    r"(?<![\w-])(?:[A-Z][A-Za-z]{0,9}-\d{1,4}(?:[A-Z]{1,2}\d{0,2})?|[A-Z]{2,4}\d{1,4}[A-Z]?|"
    r"[A-Z]\d{2,4}|[A-Z][a-z]+-class)(?P<plural>s)?(?![\w-])"
)
_SLASH_VARIANT = re.compile(r"/(?P<digits>\d{2,4})\b")
_WORD = re.compile(r"[A-Za-z][\w’'.-]*")
_ACRONYM = re.compile(r"(?<![\w-])[A-Z]{2,6}(?P<plural>s)?(?![\w-])")
_PREVIOUS_WORD = re.compile(r"(?P<word>[A-Z][a-z]+) $")
_WEAPON_PHRASE = re.compile(
    r"(?<![\w-])(?:(?:"
    + "|".join(sorted((re.escape(m) for m in WEAPON_MODIFIERS), key=len, reverse=True))
    + r")\s+){0,3}(?:"
    + "|".join(
        sorted((re.escape(n) for n in WEAPON_NOUNS | HEADED_WEAPON_NOUNS), key=len, reverse=True)
    )
    + r")(?![\w-])",
    re.IGNORECASE,
)


class Occupied:
    """Which characters of a text some mention already covers (a byte each,
    so an overlap test costs the span's length, not the mentions' count)."""

    def __init__(self, length: int):
        self.taken = bytearray(length + 1)

    def overlaps(self, begin: int, end: int) -> bool:
        return self.taken.find(1, begin, end) != -1

    def take(self, begin: int, end: int) -> None:
        self.taken[begin:end] = b"\x01" * (end - begin)


def _is_proper(pattern: str, entry: NameEntry) -> bool:
    """Whether a pattern is long enough a name to match by its skeleton."""
    return letter_count(pattern) >= SKELETON_MIN_LETTERS and entry.rank < 3


class MentionFinder:
    """Finds mentions in texts; builds its automata once."""

    def __init__(self, table: dict[str, NameEntry]):
        self.table = table
        self.exact = ahocorasick.Automaton()
        self.skeletal = ahocorasick.Automaton()
        skeletons: dict[str, str] = {}
        for pattern, entry in sorted(table.items()):
            self.exact.add_word(pattern, (pattern, pattern))
            if _is_proper(pattern, entry):
                skeletons.setdefault(skeleton_name(pattern), pattern)
        for shape, pattern in skeletons.items():
            self.skeletal.add_word(shape, (shape, pattern))
        for automaton in (self.exact, self.skeletal):
            if len(automaton):
                automaton.make_automaton()

    def find(self, text: str) -> list[Found]:
        """All mentions in `text`, known first, then new ones in the gaps;
        non-overlapping, in text order."""
        folded = fold(text)
        occupied = Occupied(len(text))
        known = self._select(
            [*self._matches(text, folded, self.exact, 0), *self._skeletal(text, folded)],
            occupied,
        )
        known += self._slash_variants(text, known)
        new = self._new_names(text, occupied)
        return sorted([*known, *new], key=lambda found: found.start)

    def _matches(self, text: str, folded: Folded, automaton, penalty: int):
        """(start, end, length, rank, found) for each whole-word match."""
        if not len(automaton):
            return
        for last, (shape, pattern) in automaton.iter(folded.text):
            start = last - len(shape) + 1
            end = last + 1
            if not folded.is_word_boundary(start - 1):
                continue
            if not folded.is_word_boundary(end):
                if folded.text[end] == "s" and folded.is_word_boundary(end + 1):
                    end += 1  # a plural: "Shahed-136s", "Iranians"
                else:
                    continue
            entry = self.table[pattern]
            begin, finish = folded.original_span(start, end)
            surface = text[begin:finish]
            if entry.acronym and not _is_capitalised(surface):
                continue
            if penalty and not surface[:1].isupper():
                continue  # a skeleton match is a name's spelling, "raise" is no "Russia"
            yield begin, finish, entry, penalty, surface

    def _skeletal(self, text: str, folded: Folded):
        """Matches of the transliteration skeleton, ranked after exact ones."""
        return self._matches(text, skeleton(folded), self.skeletal, 1)

    def _select(self, matches, occupied: Occupied) -> list[Found]:
        """The longest, best-ranked matches that do not overlap."""
        ordered = sorted(matches, key=lambda m: (-(m[1] - m[0]), m[3], m[2].rank, m[0]))
        taken: list[Found] = []
        for begin, finish, entry, _penalty, surface in ordered:
            if occupied.overlaps(begin, finish):
                continue
            occupied.take(begin, finish)
            how = entry.how
            name = entry.name if entry.key is None else ""
            mention = Mention(begin, finish, surface, entry.kind, entry.key, how, name)
            taken.append(Found(mention, entry))
        return sorted(taken, key=lambda found: found.start)

    def _slash_variants(self, text: str, known: list[Found]) -> list[Found]:
        """ "S-300/400": the second designation shares the first's prefix."""
        variants = []
        for found in known:
            if found.kind != SYSTEM:
                continue
            match = _SLASH_VARIANT.match(text, found.end)
            if not match:
                continue
            pattern = fold(found.mention.text).text.strip()
            prefix = re.sub(r"\d+$", "", pattern)
            entry = self.table.get(prefix + match["digits"])
            if prefix != pattern and entry and entry.kind == SYSTEM:
                start, end = match.span("digits")
                mention = Mention(start, end, text[start:end], SYSTEM, entry.key, entry.how)
                variants.append(Found(mention, entry))
        return variants

    def _new_names(self, text: str, occupied: Occupied) -> list[Found]:
        """Designations, organisations, acronyms and weapon phrases that no
        known name covers."""
        new = []
        for begin, end, kind, generic in [
            *_designations(text, occupied),
            *_organisations(text),
            *_acronyms(text),
            *_weapon_phrases(text, occupied),
        ]:
            if occupied.overlaps(begin, end):
                continue
            occupied.take(begin, end)
            name = _proposed_name(text[begin:end], kind)
            mention = Mention(begin, end, text[begin:end], kind, None, "new", name)
            new.append(Found(mention, NameEntry(kind, None, "new", 4, name, generic)))
        return new


def _is_capitalised(surface: str) -> bool:
    """Whether an acronym is written in capitals (a plural "s" aside: "IEDs")."""
    letters = [character for character in surface if character.isalpha()]
    if len(letters) > 2 and letters[-1] == "s":
        letters = letters[:-1]
    return all(character.isupper() for character in letters)


def _proposed_name(surface: str, kind: str) -> str:
    """The name a new record would take: the text, without a plural "s"."""
    if kind == SYSTEM and re.search(r"\ds$|[A-Z]s$|-classs?$", surface):
        return surface[:-1] if surface.endswith("s") and not surface.endswith("-class") else surface
    if kind == ACTOR and re.fullmatch(r"[A-Z]{2,6}s", surface):
        return surface[:-1]
    return surface


def _designations(text: str, occupied: Occupied):
    """Weapon-like designations, with a capitalised maker's or family name
    before them ("Bayraktar TB2") when that word is no known name."""
    for match in _DESIGNATION.finditer(text):
        begin, end = match.span()
        previous = _PREVIOUS_WORD.search(text, 0, begin)
        if previous and previous["word"].lower() not in NOT_NAME_WORDS:
            word_start = previous.start("word")
            if not occupied.overlaps(word_start, begin):
                begin = word_start
        yield begin, end, SYSTEM, False


def _organisations(text: str):
    """Runs of capitalised words ending in an organisation's head noun, or
    holding one before "of …" ("Ministry of Defence")."""
    words = list(_WORD.finditer(text))
    index = 0
    while index < len(words):
        run = _capitalised_run(text, words, index)
        if run:
            first, last = run
            span = _organisation_span(words, first, last)
            if span:
                yield words[span[0]].start(), words[span[1]].end(), ACTOR, False
            index = last + 1
        else:
            index += 1


def _capitalised_run(text: str, words, index: int) -> tuple[int, int] | None:
    """The longest run of capitalised words (joiners inside) from `index`,
    on one line and separated by single spaces."""
    if not words[index].group()[0].isupper():
        return None
    last = index
    probe = index + 1
    while probe < len(words):
        gap = text[words[probe - 1].end() : words[probe].start()]
        if gap != " ":
            break
        word = words[probe].group()
        if word[0].isupper():
            last = probe
        elif word.lower() not in ORGANISATION_JOINERS:
            break
        probe += 1
    return index, last


def _organisation_span(words, first: int, last: int) -> tuple[int, int] | None:
    """The organisation's name within a capitalised run, if it has one."""
    while first <= last and words[first].group().lower() in NOT_NAME_WORDS:
        first += 1
    if last - first < 1:
        return None
    heads = [
        position
        for position in range(first, last + 1)
        if words[position].group().lower().rstrip(".") in ORGANISATION_HEADS
    ]
    if not heads:
        return None
    if heads[-1] == last or words[heads[-1] + 1].group() == "of":
        return first, last
    return first, heads[-1]


def _acronyms(text: str):
    """All-capital words that are not generic abbreviations ("UAV")."""
    for match in _ACRONYM.finditer(text):
        if match.group().lower() not in NOT_ORGANISATION_ACRONYMS:
            yield match.start(), match.end(), ACTOR, False


def _weapon_phrases(text: str, occupied: Occupied):
    """Weapon nouns no known system covers: a generic new system ("artillery
    shells"), or a named one where a capitalised name stands before them
    ("Kirpi armoured vehicles", "Scud missiles"). A noun that needs a
    modifier ("aircraft") counts only with one."""
    for match in _WEAPON_PHRASE.finditer(text):
        words = match.group().split()
        noun = words[-1].lower()
        modifiers = [w for w in words[:-1] if w.lower() in WEAPON_MODIFIERS]
        begin = (
            match.start()
            + len(match.group())
            - len(" ".join(words[len(words) - 1 - len(modifiers) :]))
        )
        name = _PREVIOUS_WORD.search(text, 0, begin)
        named = (
            name is not None
            and name["word"].lower() not in NOT_NAME_WORDS
            and not occupied.overlaps(name.start("word"), begin)
        )
        if named:
            yield name.start("word"), match.end(), SYSTEM, False
        elif noun in WEAPON_NOUNS or (noun in HEADED_WEAPON_NOUNS and modifiers):
            yield begin, match.end(), SYSTEM, True
