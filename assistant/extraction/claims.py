"""Candidate claims: one per (supplier, recipient, system) a clause states.

Two passes over a document. The first reads each clause on its own: its
systems, the roles its wording gives them (`roles.py`), its stage, hedges,
attribution and date. The second fills the roles a clause leaves open,
as a reader would: from a sentence just before that said who moved what
("Moscow has also provided … Tehran's arsenal of Shahab …"), else from the
document's main pair when the clause is about a transfer and names one of
the pair or no one ("Probably we will deliver them"), else, for materiel
seen with or seized from a recipient, "unknown supplier" (the fixture's
convention, where the database has such a record).
"""

import bisect
import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from transfers.choices import Stage, TransferType

from .attribution import find_attribution, find_hedges, is_denial, stance_of
from .dates import find_dates
from .lexicon import DIRECTIONAL, PROGRESSIVE, STAGE_ONLY, TERMINAL_STAGES, TRAIN
from .mentions import Found
from .names import ACTOR, SYSTEM
from .records import CandidateClaim
from .roles import (
    ActorSlot,
    CueHit,
    Roles,
    absorb_head_nouns,
    actor_slots,
    assign_roles,
    find_cues,
    unused_parties,
)
from .segments import Sentence, Span

#: The record for a supplier the text does not name (fixtures/README.md).
UNKNOWN_SUPPLIER = "unknown-supplier"
#: How many sentences back a clause may take up a role from.
CARRY_REACH = 2
#: Stages a progressive verb turns into delivering ("is seeking" stays a request).
UNDER_WAY_WHEN_PROGRESSIVE = frozenset({Stage.DELIVERED, Stage.DELIVERING})
#: How many clauses must state the main pair before it fills gaps.
MAIN_PAIR_MIN = 2


@dataclass
class Draft:
    """A clause's reading of one system, before the gaps are filled."""

    sentence: int
    clause: Span
    sentence_span: Span
    system: Found | None
    cue: CueHit | None
    cues: list[CueHit]
    suppliers: list[str]
    recipients: list[str]
    intermediaries: list[str]
    pool: list[str]
    by_holding: bool
    attribution: tuple[str, str | None]
    speakers: list[str] = field(default_factory=list)
    denial: bool = False
    inferred: set[str] = field(default_factory=set)


def _label(slot: ActorSlot) -> str:
    """An actor's key, or "new:" and the name proposed for a new record."""
    return slot.found.key or f"new:{slot.found.mention.name}"


def _labels(slots: list[ActorSlot]) -> list[str]:
    labels: list[str] = []
    for slot in slots:
        if _label(slot) not in labels:
            labels.append(_label(slot))
    return labels


def _within(founds: list[Found], starts: list[int], span: Span) -> list[Found]:
    """The mentions inside a span (`founds` sorted by start, `starts` theirs)."""
    first = bisect.bisect_left(starts, span.start)
    last = bisect.bisect_left(starts, span.end)
    return [f for f in founds[first:last] if f.end <= span.end]


class ClaimReader:
    """Reads the claims of one document (the two passes above)."""

    def __init__(self, text: str, masked: str, founds: list[Found], known_keys: frozenset):
        self.text = text
        self.masked = masked
        self.founds = founds
        self.starts = [found.start for found in founds]
        self.known_keys = known_keys

    def read(
        self, sentences: list[Sentence], published: datetime.date | None
    ) -> list[CandidateClaim]:
        drafts, frames = [], []
        for index, sentence in enumerate(sentences):
            for clause in sentence.clauses:
                clause_drafts, frame = self._read_clause(index, sentence, clause)
                drafts += clause_drafts
                if frame:
                    frames.append(frame)
        pair = _main_pair(drafts)
        claims: dict[str, CandidateClaim] = {}
        for draft in drafts:
            self._fill(draft, frames, pair)
            for claim in self._claims(draft, published):
                claims.setdefault(claim.key, claim)
        return sorted(claims.values(), key=lambda c: (c.start, c.end, c.key))

    def _read_clause(self, index: int, sentence: Sentence, clause: Span):
        """The drafts of one clause, and the frame it offers later clauses."""
        founds = _within(self.founds, self.starts, clause)
        attribution = find_attribution(self.masked, clause.start, clause.end)
        skip = (attribution.start, attribution.end) if attribution else None
        said_by = self._said_by(attribution, founds)
        speakers = [
            slot
            for slot in actor_slots(self.text, self.masked, clause.start, founds, None)
            if skip and skip[0] <= slot.start < skip[1]
        ]
        denial = is_denial(self.masked[clause.start : clause.end])
        outside = [f for f in founds if not (skip and skip[0] <= f.start < skip[1])]
        cues = [
            cue
            for cue in find_cues(self.masked, clause.start, clause.end, outside)
            if not (skip and skip[0] <= cue.start < skip[1])
        ]
        slots = actor_slots(self.text, self.masked, clause.start, founds, skip)
        excluded = [slot.found for slot in slots if slot.excluded]
        systems = absorb_head_nouns(self.masked, [f for f in outside if f.kind == SYSTEM])
        drafts: dict[str, Draft] = {}
        for system in systems:
            roles = assign_roles(self.masked, system, cues, slots, excluded)
            draft = self._draft(index, sentence, clause, roles, cues, slots, said_by)
            if denial:
                _fill_from_denier(draft, _labels(speakers))
            _fill_from_clause(draft)
            label = system.label
            if label not in drafts or _explicit_roles(draft) > _explicit_roles(drafts[label]):
                drafts[label] = draft
        drafts = list(drafts.values())
        frame = self._frame(index, sentence, clause, cues, slots, excluded, said_by, drafts)
        return drafts, frame

    def _said_by(self, attribution, founds: list[Found]) -> tuple[str, str | None]:
        """(who, their actor key) for the clause's attribution."""
        if attribution is None:
            return "", None
        key = None
        for found in founds:
            if found.kind != ACTOR or found.key is None:
                continue
            words = self.masked[attribution.who_start : attribution.who_end].strip()
            bare = words.removeprefix("the ").removeprefix("The ")
            if found.start >= attribution.who_start and bare == found.mention.text:
                key = found.key
        return attribution.who, key

    def _draft(self, index, sentence, clause, roles: Roles, cues, slots, said_by) -> Draft:
        draft = Draft(
            sentence=index,
            clause=clause,
            sentence_span=sentence.span,
            system=roles.system,
            cue=roles.cue,
            cues=cues,
            suppliers=_labels(roles.suppliers),
            recipients=_labels(roles.recipients),
            intermediaries=_labels(roles.intermediaries),
            pool=[
                label
                for label in _labels(unused_parties(slots, roles))
                if label not in _labels([*roles.suppliers, *roles.recipients])
            ],
            by_holding=roles.by_holding,
            attribution=said_by,
        )
        return draft

    def _frame(self, index, sentence, clause, cues, slots, excluded, said_by, drafts):
        """Who moved what in this clause, for the clauses after it to take up:
        its first draft with a role the wording gave, else its first cue's roles."""
        for draft in drafts:
            if _offers_frame(draft):
                return draft
        if drafts or not any(cue.direction != STAGE_ONLY for cue in cues):
            return None
        roles = assign_roles(self.masked, None, cues, slots, excluded)
        if not (roles.suppliers or roles.recipients):
            return None
        frame = self._draft(index, sentence, clause, roles, cues, slots, said_by)
        _fill_from_clause(frame)
        return frame

    def _fill(self, draft: Draft, frames: list[Draft], pair: tuple[str, str] | None) -> None:
        """Fill the roles a clause left open (the module docstring's order)."""
        if not (draft.suppliers and draft.recipients):
            _carry(draft, frames)
        if pair and not draft.by_holding:
            _fill_from_pair(draft, pair)
        unsupplied = draft.by_holding and draft.recipients and not draft.suppliers
        if unsupplied and UNKNOWN_SUPPLIER in self.known_keys:
            draft.suppliers = [UNKNOWN_SUPPLIER]
            draft.inferred.add("supplier")

    def _claims(self, draft: Draft, published) -> list[CandidateClaim]:
        """One claim per supplier × recipient of a draft with a system."""
        if draft.system is None or not (draft.suppliers or draft.recipients):
            return []
        quote_span = draft.clause
        quote = self.text[quote_span.start : quote_span.end]
        masked_quote = self.masked[quote_span.start : quote_span.end]
        hedges = find_hedges(masked_quote)
        stage = _stage(draft, self.masked)
        date = _date_of(self.text, draft, published)
        claims = []
        for supplier in draft.suppliers or [None]:
            for recipient in draft.recipients or [None]:
                if supplier is not None and supplier == recipient:
                    continue
                claims.append(self._claim(draft, quote, supplier, recipient, stage, hedges, date))
        return claims

    def _claim(self, draft, quote, supplier, recipient, stage, hedges, date) -> CandidateClaim:
        system = draft.system
        new_supplier = (
            supplier.removeprefix("new:") if supplier and supplier.startswith("new:") else ""
        )
        new_recipient = (
            recipient.removeprefix("new:") if recipient and recipient.startswith("new:") else ""
        )
        fields = {
            "start": draft.clause.start,
            "end": draft.clause.end,
            "quote": quote,
            "supplier": None if new_supplier else supplier,
            "recipient": None if new_recipient else recipient,
            "intermediaries": tuple(i for i in draft.intermediaries if not i.startswith("new:")),
            "system": system.key,
            "new_system": "" if system.key else system.mention.name,
            "stage": stage,
            "stance": stance_of(self.masked[draft.clause.start : draft.clause.end], hedges),
            "hedges": hedges,
            "attributed_to": draft.attribution[0],
            "attributed_to_key": draft.attribution[1],
            "date": date.date if date else None,
            "date_precision": str(date.precision.value if date and date.precision else ""),
            "date_text": date.text if date else "",
            "date_is_inferred": bool(date and date.inferred),
            "new_actors": tuple(name for name in (new_supplier, new_recipient) if name),
            "new_supplier": new_supplier,
            "new_recipient": new_recipient,
            "transfer_type": TransferType.TRAINING.value
            if draft.cue and draft.cue.direction == TRAIN
            else "",
            "supplier_is_inferred": "supplier" in draft.inferred,
            "recipient_is_inferred": "recipient" in draft.inferred,
        }
        return CandidateClaim(key=claim_key(fields), **fields)


def _explicit_roles(draft: Draft) -> int:
    """How many of a draft's two roles its clause's wording gave."""
    return sum(
        bool(roles) and name not in draft.inferred
        for name, roles in (("supplier", draft.suppliers), ("recipient", draft.recipients))
    )


def claim_key(fields: dict) -> str:
    """A claim's identity: its span, parties, system and stage, hashed."""
    parts = [
        str(fields["start"]),
        str(fields["end"]),
        fields["supplier"] or f"new:{fields['new_supplier']}",
        fields["recipient"] or f"new:{fields['new_recipient']}",
        fields["system"] or f"new:{fields['new_system']}",
        fields["stage"],
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def _fill_from_denier(draft: Draft, speakers: list[str]) -> None:
    """Who denies a transfer is usually a party to it ("North Korea denied
    that any missiles had been sent to Russia"): the supplier first."""
    draft.denial = True
    for speaker in speakers:
        if speaker in draft.suppliers or speaker in draft.recipients:
            return
    if not speakers:
        return
    if not draft.suppliers:
        draft.suppliers = [speakers[0]]
        draft.inferred.add("supplier")
    elif not draft.recipients:
        draft.recipients = [speakers[0]]
        draft.inferred.add("recipient")


def _fill_from_clause(draft: Draft) -> None:
    """A role the wording left open, from the clause's other parties: the
    one who is neither the supplier nor the recipient named. Never a
    supplier for materiel only seen with its holder."""
    if not draft.pool:
        return
    if draft.by_holding:
        if not draft.recipients:
            draft.recipients = [draft.pool[0]]
            draft.inferred.add("recipient")
        return
    if draft.suppliers and not draft.recipients:
        draft.recipients = [draft.pool[0]]
        draft.inferred.add("recipient")
    elif draft.recipients and not draft.suppliers:
        draft.suppliers = [draft.pool[0]]
        draft.inferred.add("supplier")


def _carry(draft: Draft, frames: list[Draft]) -> None:
    """Take up an open role from the latest frame a sentence or two before
    (or an earlier clause of the same sentence). Materiel seen with its
    holder takes up only a frame about no named system or the same one."""
    for frame in reversed(frames):
        if frame is draft or frame.sentence > draft.sentence:
            continue
        if frame.sentence == draft.sentence and frame.clause.start >= draft.clause.start:
            continue
        if draft.sentence - frame.sentence > CARRY_REACH:
            return
        if draft.by_holding and not _about_same_or_no_system(frame, draft):
            continue
        _take_up(draft, frame)
        return


def _about_same_or_no_system(frame: Draft, draft: Draft) -> bool:
    system = frame.system
    return system is None or system.entry.generic or system.key == draft.system.key


def _offers_frame(draft: Draft) -> bool:
    """Whether a draft says who moved something, in words a later clause
    may take up: a directional cue and a role its wording gave."""
    moved = draft.cue is not None and draft.cue.direction in DIRECTIONAL and not draft.by_holding
    return moved and _explicit_roles(draft) > 0


def _take_up(draft: Draft, frame: Draft) -> None:
    """The frame's first supplier and recipient, where the draft has none;
    a holder takes up a supplier only from a frame about the same holder
    or none."""
    supplier = frame.suppliers[0] if frame.suppliers else None
    recipient = frame.recipients[0] if frame.recipients else None
    same_holder = not draft.by_holding or recipient in (None, *draft.recipients)
    if not draft.suppliers and supplier and supplier not in draft.recipients and same_holder:
        draft.suppliers = [supplier]
        draft.inferred.add("supplier")
    if not draft.recipients and recipient and recipient not in draft.suppliers:
        draft.recipients = [recipient]
        draft.inferred.add("recipient")


def _main_pair(drafts: list[Draft]) -> tuple[str, str] | None:
    """The (supplier, recipient) most clauses state outright, if one leads."""
    stated: dict[tuple, set] = {}
    for draft in drafts:
        if {"supplier", "recipient"} & draft.inferred or draft.by_holding:
            continue
        pairs = stated.setdefault((draft.sentence, draft.clause.start), set())
        pairs |= {(s, r) for s in draft.suppliers for r in draft.recipients}
    counts = Counter(pair for pairs in stated.values() for pair in pairs)
    ranked = counts.most_common(2)
    if not ranked or ranked[0][1] < MAIN_PAIR_MIN:
        return None
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None
    return ranked[0][0]


def _fill_from_pair(draft: Draft, pair: tuple[str, str]) -> None:
    """The main pair fills a clause about a transfer that names one side of
    it, or no one (or only the pair)."""
    supplier, recipient = pair
    about_a_transfer = any(cue for cue in draft.cues) or bool(draft.suppliers or draft.recipients)
    if not about_a_transfer:
        return
    if draft.suppliers == [supplier] and not draft.recipients:
        draft.recipients = [recipient]
        draft.inferred.add("recipient")
    elif draft.recipients == [recipient] and not draft.suppliers:
        draft.suppliers = [supplier]
        draft.inferred.add("supplier")
    elif not draft.suppliers and not draft.recipients and set(draft.pool) <= {supplier, recipient}:
        draft.suppliers, draft.recipients = [supplier], [recipient]
        draft.inferred |= {"supplier", "recipient"}


def _stage(draft: Draft, masked: str) -> str:
    """A clause's stage: an ending (cancelled, seized) wherever it is, else
    the first transfer word ("agreed to send" is agreed), under way when the
    verb is progressive; with no word, what a taken-up frame said, else
    materiel observed with its holder."""
    cues = draft.cues
    terminal = [cue for cue in cues if cue.stage in TERMINAL_STAGES]
    if terminal:
        return str(terminal[0].stage.value)
    if not cues:
        if is_denial(masked[draft.clause.start : draft.clause.end]):
            return Stage.DENIED.value
        return Stage.OBSERVED_IN_POSSESSION.value
    first = cues[0]
    before = masked[draft.clause.start : first.end]
    if first.stage in UNDER_WAY_WHEN_PROGRESSIVE and PROGRESSIVE.search(before):
        return Stage.DELIVERING.value  # "is supplying", "were training"
    return str(first.stage.value)


def _date_of(text: str, draft: Draft, published):
    """The first date in the clause, else in its sentence."""
    for span in (draft.clause, draft.sentence_span):
        dates = find_dates(text, span.start, span.end, published)
        if dates:
            return dates[0]
    return None
