"""The names the assistant looks for, built from the known records and the
world's states (`assistant.demonyms`).

Each known name gives one or more patterns, ranked: the record's own name
first, then its aliases, then the forms a reader would also write (a
state's demonym and capital; a generic record's noun without its
"(unspecified …)" qualifier; a designation's family, "Shahed" for
"Shahed-136"). Where two records share a pattern the better-ranked one
keeps it, so "missiles" is the generic "Missiles" record and not the
"Russian missiles" one. States the database does not know are patterns
too, for new actors.
"""

import re
from dataclasses import dataclass, replace

from assistant.demonyms import COUNTRIES

from .folding import fold_name

ACTOR = "actor"
SYSTEM = "system"
STATE = "state"

# Ranks, best first.
RANK_NAME = 0
RANK_ALIAS = 1
RANK_DERIVED = 2
RANK_WEAK = 3
RANK_NEW = 4

_QUALIFIER = re.compile(r"\s*\((?P<inside>[^)]*)\)\s*")
_DESIGNATION_FAMILY = re.compile(r"^(?P<family>[A-Za-z]{4,})-\d+[A-Za-z]*$")
_NATO_CODE = re.compile(r"^(?P<code>[A-Z]{2,3}-\d{1,3})\s+[A-Z][a-z]+$")
_ORIGIN_PREFIX = re.compile(r"^(?P<origin>[A-Za-z]+)(?:-made|-built|-designed)?\s+(?P<rest>.+)$")


@dataclass(frozen=True)
class NameEntry:
    """What a pattern stands for: a record (or a new one, `key` None)."""

    kind: str
    key: str | None
    how: str
    rank: int
    name: str
    generic: bool = False
    acronym: bool = False


def is_acronym(name: str) -> bool:
    """Whether a name is an acronym ("IDF", "U.S."), matched only in capitals,
    lest "US" be found in "us"."""
    letters = [character for character in name if character.isalpha()]
    return 0 < len(letters) <= 5 and all(character.isupper() for character in letters)


def _all_demonyms() -> set[str]:
    """Every demonym of the world table, folded (to spot origin adjectives)."""
    return {fold_name(d) for country in COUNTRIES.values() for d in country.demonyms}


DEMONYMS = _all_demonyms()


def _singular(folded: str) -> str:
    """The folded phrase with its last word made singular ("missiles" → "missile")."""
    head, _, last = folded.rpartition(" ")
    if len(last) > 3 and last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return f"{head} {last}".strip()


def _generic_forms(name: str) -> tuple[list[str], list[str]]:
    """For a generic record's name ("Russian missiles (unspecified)"): the
    derived forms (the noun phrase, singular too) and the weak ones (without
    an origin adjective: "missiles")."""
    bare = _QUALIFIER.sub(" ", name).strip()
    derived = [bare, _singular(fold_name(bare))]
    weak: list[str] = []
    match = _ORIGIN_PREFIX.match(bare)
    if match and fold_name(match["origin"]) in DEMONYMS:
        rest = match["rest"]
        weak = [rest, _singular(fold_name(rest))]
    return derived, weak


def _system_forms(names: tuple[str, ...]) -> list[tuple[str, str, int, bool]]:
    """(pattern, how, rank, generic) for one system's names."""
    forms = []
    for index, name in enumerate(names):
        how, rank = ("name", RANK_NAME) if index == 0 else ("alias", RANK_ALIAS)
        generic = bool(re.search(r"\(\s*unspecified", name, re.IGNORECASE))
        if generic:
            derived, weak = _generic_forms(name)
            forms += [(form, "alias", RANK_DERIVED, True) for form in derived]
            forms += [(form, "alias", RANK_WEAK, True) for form in weak]
            continue
        for part in (p.strip() for p in name.split(" / ")):
            forms.append((part, how, rank, False))
            if code := _NATO_CODE.match(part):
                forms.append((code["code"], "alias", RANK_DERIVED, False))
            if family := _DESIGNATION_FAMILY.match(part):
                forms.append((family["family"], "alias", RANK_WEAK, False))
    return forms


def _actor_forms(known) -> list[tuple[str, str, int]]:
    """(pattern, how, rank) for one actor: its names, and a state's
    demonyms, other names and capitals from the world table."""
    forms = [
        (name, "name" if index == 0 else "alias", RANK_NAME if index == 0 else RANK_ALIAS)
        for index, name in enumerate(known.names)
    ]
    country = COUNTRIES.get(known.country.upper()) if known.actor_kind == STATE else None
    if country:
        forms.append((country.name, "alias", RANK_DERIVED))
        forms += [(name, "alias", RANK_DERIVED) for name in country.other_names]
        forms += [(name, "alias", RANK_DERIVED) for name in country.capitals]
        forms += [(name, "demonym", RANK_DERIVED) for name in country.demonyms]
    return forms


def _unknown_state_forms(known_states: set[str]) -> list[tuple[str, NameEntry]]:
    """Patterns for the states no known actor stands for: new actors."""
    patterns = []
    for code, country in sorted(COUNTRIES.items()):
        if code in known_states:
            continue
        for form in (country.name, *country.other_names, *country.capitals, *country.demonyms):
            entry = NameEntry(ACTOR, None, "new", RANK_NEW, country.name)
            patterns.append((form, entry))
    return patterns


def build_name_table(known) -> dict[str, NameEntry]:
    """Folded pattern → the entry it stands for, the best-ranked one where
    several records share a pattern (ties go to the smaller key, so the
    table does not depend on the order the caller lists its records in)."""
    candidates: list[tuple[str, NameEntry]] = []
    known_states = set()
    for record in known:
        if record.kind == SYSTEM:
            for form, how, rank, generic in _system_forms(record.names):
                candidates.append(
                    (form, NameEntry(SYSTEM, record.key, how, rank, record.names[0], generic))
                )
        else:
            if record.actor_kind == STATE and record.country:
                known_states.add(record.country.upper())
            for form, how, rank in _actor_forms(record):
                candidates.append((form, NameEntry(ACTOR, record.key, how, rank, record.names[0])))
    candidates += _unknown_state_forms(known_states)
    table: dict[str, NameEntry] = {}
    for form, entry in candidates:
        pattern = fold_name(form)
        if not pattern:
            continue
        if is_acronym(form):
            entry = replace(entry, acronym=True)
        current = table.get(pattern)
        if current is None or (entry.rank, entry.key or "") < (current.rank, current.key or ""):
            table[pattern] = entry
    return table
