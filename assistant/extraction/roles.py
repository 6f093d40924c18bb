"""Who gives and who gets, from a clause's wording.

For each system a clause names, the cue that governs it is the nearest
transfer word before it (else after it). The cue's direction says how the
actors around it map to roles: the subject of "shipped" supplies, the
subject of "acquire" receives; "to X", "for X", "into X" receive, "from X"
supplies (and "by X" after a supply verb: the passive); "via X" is an
intermediary; the first actor right after "send", "provided", "training"
is the recipient ("send Hezbollah the SA-22"). Actors qualified away are
no party: "Iran-backed" (a sponsor), "Russia's … Wagner Group" (a
possessor of the next name), "attacks at Damascus" (a place), and the
words of an attribution. A demonym right before a system is its origin
("the desired Russian T-90") where a cue moves it, and its holder where
none does ("Greek S-300").

What the clause leaves open is filled later (`claims.py`) from the
sentences before and the document's main pair.
"""

import re
from dataclasses import dataclass, field

from .lexicon import (
    ACQUIRE,
    CUES,
    DETERMINERS,
    HOLDING,
    INTERDICT,
    LOCATIVE,
    NOMINAL_CUE,
    ORIGIN_SUFFIX,
    PASSIVE_AGENT,
    POSSESS,
    PREPOSITIONS,
    RECIPIENT_PREPOSITIONS,
    SPONSOR_SUFFIX,
    STAGE_ONLY,
    SUPPLIER_PREPOSITIONS,
    SUPPLY,
    TRAIN,
    TRANSIT_PREPOSITIONS,
    USE,
)
from .mentions import Found
from .names import ACTOR, SYSTEM

_WORDS = re.compile(r"[\w’'-]+")
_LIST_GAP = re.compile(
    r"^[\s,]*(?:(?:and|or|&|as well as|along with)\s+)?(?:(?:the|various|other|its)\s+)?$",
    re.IGNORECASE,
)
_ADJACENT_GAP = re.compile(r"^[\s“”\"‘’'-]*$|^-(?:made|built|designed|produced|spec|origin)\s+$")
_POSSESSIVE = re.compile(r"^[’']s?\b")
#: How many words after a cue its direct object may stand ("provided Houthi rebels").
OBJECT_REACH = 1
#: How many words after a named system a generic noun is its head ("SA-22 missile system").
HEAD_NOUN_REACH = 3


@dataclass(frozen=True)
class CueHit:
    """A transfer word in the text; `nominal` for a noun ("the delivery")."""

    start: int
    end: int
    direction: str
    stage: str
    nominal: bool = False


@dataclass
class ActorSlot:
    """An actor mention in a clause and what its surroundings make of it."""

    found: Found
    preposition: str = ""
    excluded: bool = False
    location: bool = False
    origin_of: Found | None = None
    explicit_origin: bool = False
    holder_of: Found | None = None

    @property
    def start(self) -> int:
        return self.found.start

    @property
    def end(self) -> int:
        return self.found.end


@dataclass
class Roles:
    """The roles a clause gives one system, and which of them it inferred."""

    system: Found
    cue: CueHit | None
    suppliers: list[ActorSlot] = field(default_factory=list)
    recipients: list[ActorSlot] = field(default_factory=list)
    intermediaries: list[ActorSlot] = field(default_factory=list)
    bystanders: list[ActorSlot] = field(default_factory=list)
    by_holding: bool = False


def find_cues(masked: str, start: int, end: int, founds: list[Found]) -> list[CueHit]:
    """The transfer words in masked[start:end] that are not part of a name."""
    hits = []
    for cue in CUES:
        for match in cue.pattern.finditer(masked, start, end):
            if any(match.start() < f.end and f.start < match.end() for f in founds):
                continue
            nominal = bool(NOMINAL_CUE.match(match.group()))
            hits.append(CueHit(match.start(), match.end(), cue.direction, cue.stage, nominal))
    return sorted(hits, key=lambda hit: (hit.start, -hit.end))


def _previous_word(masked: str, clause_start: int, position: int) -> str:
    """The word before `position` in the clause, skipping determiners."""
    words = _WORDS.findall(masked[clause_start:position])
    while words and words[-1].lower() in DETERMINERS:
        words.pop()
    return words[-1].lower() if words else ""


def _word_count(masked: str, start: int, end: int, skip: list[Found]) -> int:
    """Words in masked[start:end] outside the `skip` mentions' spans."""
    count = 0
    for match in _WORDS.finditer(masked, start, end):
        if not any(f.start <= match.start() < f.end for f in skip):
            count += 1
    return count


def absorb_head_nouns(masked: str, systems: list[Found]) -> list[Found]:
    """Drop a generic noun that only names a named system's kind
    ("Shahab ballistic missiles", "SA-22 missile system")."""
    kept: list[Found] = []
    for found in systems:
        named = kept[-1] if kept else None
        if (
            found.entry.generic
            and named is not None
            and not named.entry.generic
            and _word_count(masked, named.end, found.start, []) < HEAD_NOUN_REACH
            and "," not in masked[named.end : found.start]
        ):
            continue
        kept.append(found)
    return kept


def actor_slots(
    text: str, masked: str, clause_start: int, founds: list[Found], skip: tuple[int, int] | None
) -> list[ActorSlot]:
    """The clause's actors with what their surroundings make of them."""
    slots = []
    for index, found in enumerate(founds):
        if found.kind != ACTOR:
            continue
        slot = ActorSlot(found, _previous_word(masked, clause_start, found.start))
        following = founds[index + 1] if index + 1 < len(founds) else None
        after = text[found.end : found.end + 40]
        slot.excluded = bool(skip and skip[0] <= found.start < skip[1]) or bool(
            SPONSOR_SUFFIX.match(after)
        )
        if _POSSESSIVE.match(after) and following and following.kind == ACTOR:
            slot.excluded |= _word_count(masked, found.end, following.start, []) <= 4
        _mark_adjacent_system(slot, masked, following, after)
        slot.location = slot.preposition in LOCATIVE and slot.holder_of is None
        if slots and slots[-1].location and _LIST_GAP.match(masked[slots[-1].end : slot.start]):
            slot.location = True  # "in Lithuania and Poland": both places
        slots.append(slot)
    return slots


def _mark_adjacent_system(slot: ActorSlot, masked: str, following: Found | None, after: str):
    """An actor right before a system: its origin or its holder."""
    if ORIGIN_SUFFIX.match(after):
        slot.explicit_origin = True
    if following is None or following.kind != SYSTEM:
        return
    gap = masked[slot.end : following.start]
    if _ADJACENT_GAP.match(gap) or slot.explicit_origin:
        slot.origin_of = following
        slot.holder_of = following if not slot.explicit_origin else None


def governing_cue(system: Found, cues: list[CueHit]) -> CueHit | None:
    """The directional cue nearest before the system, else nearest after."""
    directional = [cue for cue in cues if cue.direction != STAGE_ONLY]
    before = [cue for cue in directional if cue.end <= system.start]
    if before:
        return before[-1]
    after = [cue for cue in directional if cue.start >= system.end]
    return after[0] if after else None


def _parties(slots: list[ActorSlot]) -> list[ActorSlot]:
    return [slot for slot in slots if not slot.excluded]


def _group_forward(masked: str, slots: list[ActorSlot], first: ActorSlot) -> list[ActorSlot]:
    """`first` and the actors listed after it ("to Hamas, Hezbollah and the Houthis")."""
    group = [first]
    for slot in slots:
        if slot.start <= group[-1].start:
            continue
        gap = _LIST_GAP.match(masked[group[-1].end : slot.start])
        if not gap:
            break
        group.append(slot)
        if re.search(r"\b(?:and|or)\b|&", gap.group()):
            break  # "A, B and C" ends at C: a comma after it starts something else
    return group


def _group_backward(masked: str, slots: list[ActorSlot], last: ActorSlot) -> list[ActorSlot]:
    """`last` and the actors listed before it ("Hezbollah and the IRGC")."""
    group = [last]
    for slot in reversed(slots):
        if slot.start >= group[0].start:
            continue
        if not _LIST_GAP.match(masked[slot.end : group[0].start]):
            break
        group.insert(0, slot)
    return group


def _after_with(slots, cue: CueHit, prepositions) -> ActorSlot | None:
    return next(
        (slot for slot in slots if slot.start >= cue.end and slot.preposition in prepositions),
        None,
    )


def _subject(masked: str, slots, cue: CueHit) -> ActorSlot | None:
    """The nearest party before the cue that is no place: one after a
    preposition only right before the cue ("with Iran providing"); for a
    noun only an actor right before it ("Russian delivery")."""
    for slot in reversed([slot for slot in slots if slot.end <= cue.start]):
        reach = _word_count(masked, slot.end, cue.start, [])
        if cue.nominal and reach > OBJECT_REACH:
            return None
        if slot.location:
            continue
        if slot.preposition not in PREPOSITIONS or reach <= OBJECT_REACH:
            return slot
    return None


def _direct_object(masked: str, slots, cue: CueHit, skip: list[Found]) -> ActorSlot | None:
    """The party right after a cue with no preposition ("send Hezbollah")."""
    for slot in slots:
        if slot.start < cue.end:
            continue
        reach = _word_count(masked, cue.end, slot.start, skip)
        if reach <= OBJECT_REACH and slot.preposition not in PREPOSITIONS:
            # "shipped Iranian grenades": a demonym before a system is its origin
            return slot if slot.origin_of is None else None
        return None
    return None


def assign_roles(
    masked: str,
    system: Found | None,
    cues: list[CueHit],
    slots: list[ActorSlot],
    excluded: list[Found],
) -> Roles:
    """The roles the clause's wording gives `system` (see the module
    docstring); with no system, the roles of the clause's first cue (what a
    following sentence may take up)."""
    parties = _parties(slots)
    cue = governing_cue(system, cues) if system else _first_directional(cues)
    roles = Roles(system, cue)
    roles.intermediaries = [s for s in parties if s.preposition in TRANSIT_PREPOSITIONS]
    parties = [s for s in parties if s not in roles.intermediaries]
    # "Greek S-300" is Greece's where nothing moves; "Russian T-90" in a
    # clause of talks, sales or use says where the tank comes from.
    moving = any(c.direction not in (POSSESS, INTERDICT) for c in cues)
    holder = next((s for s in parties if system and s.holder_of is system and not moving), None)
    _roles_of_cue(masked, roles, cue, parties, excluded, holder)
    if cue and cue.nominal and _stopped_by(masked, cues, cue):
        roles.by_holding = True  # "destroyed deliveries of missiles headed for Hezbollah"
    if cue and cue.nominal and not (roles.suppliers or roles.recipients):
        # "provided Y with A, in addition to shipments of B": B takes the verb's roles
        verbal = _verbal_before(cues, cue)
        if verbal:
            _roles_of_cue(masked, roles, verbal, parties, excluded, holder)
    if cue is None and holder is not None:
        roles.recipients = [holder]
        roles.by_holding = True
    _origin_as_supplier(roles, parties, holder)
    if not (roles.suppliers or roles.recipients):
        _roles_of_between(masked, roles, parties)
    if cue is None and not (roles.suppliers or roles.recipients):
        _roles_of_from_to(masked, roles, parties)
    return roles


def _roles_of_from_to(masked: str, roles: Roles, parties) -> None:
    """Prepositions alone ("the S-300 went from Russia to Iran"), where no
    transfer word is there to say more."""
    supplying = next((s for s in parties if s.preposition in SUPPLIER_PREPOSITIONS), None)
    receiving = next((s for s in parties if s.preposition in RECIPIENT_PREPOSITIONS), None)
    if supplying and receiving:
        roles.suppliers = [supplying]
        roles.recipients = _group_forward(masked, parties, receiving)


def _roles_of_between(masked: str, roles: Roles, parties) -> None:
    """The first of those "between" trades sells to the second ("sales
    between Moscow, Tehran and …")."""
    first = next((slot for slot in parties if slot.preposition == "between"), None)
    if first is None:
        return
    listed = _group_forward(masked, parties, first)
    if len(listed) >= 2:
        roles.suppliers, roles.recipients = [listed[0]], [listed[1]]


def _stopped_by(masked: str, cues: list[CueHit], cue: CueHit) -> bool:
    """Whether a noun cue is the object of an interdiction ("seized shipments")."""
    return any(
        c.direction == INTERDICT
        and c.end <= cue.start
        and _word_count(masked, c.end, cue.start, []) <= OBJECT_REACH
        for c in cues
    )


def _first_directional(cues: list[CueHit]) -> CueHit | None:
    return next((cue for cue in cues if cue.direction != STAGE_ONLY), None)


def _verbal_before(cues: list[CueHit], cue: CueHit) -> CueHit | None:
    """The nearest verb cue before a noun cue, in the same clause."""
    verbs = [c for c in cues if c.end <= cue.start and not c.nominal and c.direction != STAGE_ONLY]
    return verbs[-1] if verbs else None


def _roles_of_cue(masked, roles: Roles, cue, parties, excluded, holder) -> None:
    direction = cue.direction if cue else ""
    if direction in (SUPPLY, TRAIN):
        _roles_of_supply(masked, roles, cue, parties, excluded)
    elif direction == ACQUIRE:
        _roles_of_acquisition(masked, roles, cue, parties)
    elif direction in HOLDING:
        _roles_of_holding(masked, roles, cue, parties, holder)


def _roles_of_supply(masked, roles: Roles, cue: CueHit, parties, excluded) -> None:
    receiving = _direct_object(masked, parties, cue, excluded) or _after_with(
        parties, cue, RECIPIENT_PREPOSITIONS
    )
    if receiving:
        roles.recipients = _group_forward(masked, parties, receiving)
    supplying = _after_with(parties, cue, SUPPLIER_PREPOSITIONS) or _after_with(
        parties, cue, {PASSIVE_AGENT}
    )
    if supplying:
        roles.suppliers = _group_forward(masked, parties, supplying)
    elif subject := _subject(masked, [p for p in parties if p not in roles.recipients], cue):
        roles.suppliers = _group_backward(masked, parties, subject)


def _roles_of_acquisition(masked, roles: Roles, cue: CueHit, parties) -> None:
    if subject := _subject(masked, parties, cue):
        roles.recipients = _group_backward(masked, parties, subject)
    if supplying := _after_with(parties, cue, SUPPLIER_PREPOSITIONS):
        roles.suppliers = _group_forward(masked, parties, supplying)


def _roles_of_holding(masked, roles: Roles, cue: CueHit, parties, holder) -> None:
    """Materiel seen with someone, used by someone, or stopped on its way to
    someone: the holder receives; whoever seized it is no party."""
    roles.by_holding = True
    subject = _subject(masked, parties, cue)
    if cue.direction == INTERDICT:
        agent = _after_with(parties, cue, {PASSIVE_AGENT})
        roles.bystanders = [s for s in (subject, agent) if s is not None]
    receiving = (subject if cue.direction == USE else None) or holder
    receiving = receiving or _after_with(parties, cue, RECIPIENT_PREPOSITIONS | {"in", "with"})
    if receiving is None and cue.direction == POSSESS:
        receiving = subject
    if receiving:
        roles.recipients = [receiving]
    if supplying := _after_with(parties, cue, SUPPLIER_PREPOSITIONS):
        roles.suppliers = _group_forward(masked, parties, supplying)


def _origin_as_supplier(roles: Roles, parties, holder) -> None:
    """A system's origin supplies it when the clause names no supplier."""
    if roles.suppliers:
        return
    if roles.system is None:
        return
    origin = next(
        (
            s
            for s in parties
            if s.origin_of is roles.system and (s.explicit_origin or s is not holder)
        ),
        None,
    )
    if origin is not None and origin not in roles.recipients:
        roles.suppliers = [origin]


def unused_parties(slots: list[ActorSlot], roles: Roles) -> list[ActorSlot]:
    """The clause's parties the wording gave no role: fillers for a gap."""
    used = {
        id(s)
        for s in [*roles.suppliers, *roles.recipients, *roles.intermediaries, *roles.bystanders]
    }
    return [
        slot
        for slot in _parties(slots)
        if id(slot) not in used
        and not slot.location
        and slot.preposition not in TRANSIT_PREPOSITIONS
    ]
