"""Who says so, and how sure: a clause's attribution, hedges and stance.

Attribution is whoever the text says made the claim, in the text's words:
"according to X", "X reported (that)", "X quoted Y as saying" (Y), "…, X
said." The words of the attribution are not parties to the transfer: the
role finder is told to skip them, so "Ukrainian intelligence reported that
Hezbollah trained …" does not make Ukraine a supplier.
"""

import re
from dataclasses import dataclass

from transfers.choices import Stance

from .lexicon import DENIAL, HEDGE_MAY, HEDGES, NOT_A_DENIAL, SAYING

_ACCORDING_TO = re.compile(
    r"\bAccording to\s+(?P<who>[^,;]+?)(?:\s+cited by\s+[^,;]+)?(?:,|$)", re.IGNORECASE
)
_QUOTED_AS_SAYING = re.compile(r"\bquoted\s+(?P<who>[^,;]+?)\s+as\s+saying\b")
_SAYING_VERB = re.compile(rf"\b(?:{SAYING})\b(?:\s+that\b)?")
#: Where the words naming a sayer begin: after a comma, a quote, or "that".
_SAYER_START = re.compile(r".*(?:[,;:”\"]\s*|\bthat\s+)", re.DOTALL)
#: Words between the sayer and the verb ("Moscow has also claimed").
_ADVERBS = re.compile(
    r"(?:\s+(?:has|have|had|also|later|again|publicly|repeatedly|first|recently|then|now|"
    r"previously|separately|neither|never|not|nor))+\s*$",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(?:the|an?)\s+", re.IGNORECASE)
#: Lower-case words a sayer may start with ("officials said").
_COMMON_SAYERS = frozenset(
    {
        "officials",
        "official",
        "intelligence",
        "sources",
        "analysts",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "unnamed",
        "senior",
        "customs",
        "investigators",
    }
)
MAX_SAYER_WORDS = 12
_COPULAS = frozenset({"is", "are", "was", "were", "be", "been"})


@dataclass(frozen=True)
class Attribution:
    """Who a clause says made its claim, and the words that say so."""

    who: str
    who_start: int
    who_end: int
    start: int
    end: int


def find_attribution(text: str, start: int, end: int) -> Attribution | None:
    """The attribution in text[start:end], if the clause has one."""
    clause = text[start:end]
    if match := _ACCORDING_TO.search(clause):
        return _attribution(clause, match.span("who"), match.span(), start)
    if match := _QUOTED_AS_SAYING.search(clause):
        quoting = _sayer_before(clause, match.start())  # "RIA Novosti quoted …"
        begin = quoting[0] if quoting else match.start()
        return _attribution(clause, match.span("who"), (begin, match.end()), start)
    for verb in _SAYING_VERB.finditer(clause):
        span = _sayer_before(clause, verb.start())
        if span:
            return _attribution(clause, span, (span[0], verb.end()), start)
    return None


def _sayer_before(clause: str, verb_start: int) -> tuple[int, int] | None:
    """The span of the words naming who speaks, just before a saying verb."""
    before = clause[:verb_start]
    opening = _SAYER_START.match(before)
    begin = opening.end() if opening else 0
    words = before[begin:]
    adverbs = _ADVERBS.search(words)
    finish = begin + (adverbs.start() if adverbs else len(words.rstrip()))
    who = clause[begin:finish].strip()
    if not who or len(who.split()) > MAX_SAYER_WORDS or not _is_a_sayer(who):
        return None
    if who.split()[-1].lower() in _COPULAS:
        return None  # "Russia is also believed to": a hedge, not a speaker
    begin += len(clause[begin:finish]) - len(clause[begin:finish].lstrip())
    return begin, begin + len(who)


def _is_a_sayer(words: str) -> bool:
    """Whether the words before "said" name someone (not "it", "this")."""
    bare = _ARTICLE.sub("", words)
    first = bare.split()[0] if bare.split() else ""
    return bool(first) and (first[0].isupper() or first.lower() in _COMMON_SAYERS)


def _attribution(
    clause: str, who: tuple[int, int], whole: tuple[int, int], offset: int
) -> Attribution:
    """An attribution from spans within the clause, made spans of the text."""
    return Attribution(
        who=clause[who[0] : who[1]].strip(),
        who_start=offset + who[0],
        who_end=offset + who[1],
        start=offset + whole[0],
        end=offset + whole[1],
    )


def find_hedges(text: str) -> tuple[str, ...]:
    """The hedging words of a clause, in order, each once."""
    found = [(match.start(), match.group()) for match in HEDGES.finditer(text)]
    found += [(match.start(), match.group()) for match in HEDGE_MAY.finditer(text)]
    words: list[str] = []
    for _position, word in sorted(found):
        if word.lower() not in (w.lower() for w in words):
            words.append(word)
    return tuple(words)


def is_denial(text: str) -> bool:
    """Whether the clause denies (not "neither confirmed nor denied")."""
    return bool(DENIAL.search(NOT_A_DENIAL.sub(" ", text)))


def stance_of(text: str, hedges: tuple[str, ...]) -> str:
    """A denial contradicts; a hedge weakens the support; else it supports."""
    if is_denial(text):
        return Stance.CONTRADICTS.value
    if hedges:
        return Stance.SUPPORTS_HEDGED.value
    return Stance.SUPPORTS.value
