"""What the assistant reads from and what it proposes: plain frozen records,
no database, so the engine can be tested and measured without Django's ORM
and the review-queue code can build them from whatever it holds."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownName:
    """One known record (an actor or a system) and the names it goes by.

    Built by the caller from the database or the fixture. `names[0]` is the
    record's name or designation; the rest are aliases (a NATO reporting
    name counts as one). `country` and `actor_kind` let a state be found by
    its demonym ("Iranian") and capital ("Tehran").
    """

    kind: str
    key: str
    names: tuple[str, ...]
    country: str = ""
    actor_kind: str = ""


@dataclass(frozen=True)
class Mention:
    """A name found in the text: `text[start:end] == text` of the mention.

    `key` is the known record's slug, or None for a name the assistant does
    not know and offers as a new record (`how == "new"`, `name` its proposed
    name: a country's short name for "North Korean", else the text itself).
    """

    start: int
    end: int
    text: str
    kind: str
    key: str | None
    how: str
    name: str = ""


@dataclass(frozen=True)
class CandidateClaim:
    """One statement of a transfer, proposed for an editor to review.

    `quote` is the clause or sentence that states it, an exact span of the
    text read. Roles are known actors' keys; a role held by a name the
    database does not know is None with the name in `new_supplier` /
    `new_recipient` (both also listed in `new_actors`). `key` is a stable
    identity: the same text read with the same known names gives the same
    keys, so reading a text twice proposes nothing twice.
    """

    start: int
    end: int
    quote: str
    supplier: str | None
    recipient: str | None
    intermediaries: tuple[str, ...]
    system: str | None
    stage: str
    stance: str
    hedges: tuple[str, ...]
    attributed_to: str
    attributed_to_key: str | None
    date: datetime.date | None
    date_precision: str
    date_text: str
    date_is_inferred: bool
    key: str
    new_system: str = ""
    new_actors: tuple[str, ...] = ()
    new_supplier: str = ""
    new_recipient: str = ""
    transfer_type: str = ""
    supplier_is_inferred: bool = False
    recipient_is_inferred: bool = False


@dataclass(frozen=True)
class Extraction:
    """Everything the assistant proposes for one text."""

    mentions: tuple[Mention, ...]
    claims: tuple[CandidateClaim, ...]
