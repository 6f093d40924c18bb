"""The assistant's English: the words that say a transfer moved (and which
way), how far it got, how sure the writer is, and who says so.

Generic word lists only; nothing here names an actor or a system. A cue is
a regular expression with a direction (who is the subject: the one who
gives, or the one who gets) and the stage it puts the transfer at.
"""

import re
from dataclasses import dataclass

from transfers.choices import Stage

# Directions: how a cue's subject and objects map to supplier and recipient.
SUPPLY = "supply"  # X ships Z to Y; X's delivery of Z to Y; Z was sent to Y by X
ACQUIRE = "acquire"  # Y buys Z from X; Y's purchase of Z from X
POSSESS = "possess"  # Z stored in Y's caches; Y's arsenal of Z
INTERDICT = "interdict"  # Z headed for Y was seized (by a third party)
TRAIN = "train"  # X trains Y to operate Z
USE = "use"  # Y fired Z (seen in Y's hands; a demonym before Z is its origin)
STAGE_ONLY = ""  # talks, deal, cancelled: how far, not which way


def _words(text: str) -> frozenset[str]:
    """A word list written as one string, for lists too long for one word a line."""
    return frozenset(text.split())


DIRECTIONAL = frozenset({SUPPLY, ACQUIRE, POSSESS, INTERDICT, TRAIN, USE})
#: Directions where the materiel is seen with its holder, not seen moving.
HOLDING = frozenset({POSSESS, INTERDICT, USE})


@dataclass(frozen=True)
class Cue:
    """One kind of wording: its pattern, direction and stage."""

    pattern: re.Pattern
    direction: str
    stage: str


def _cue(words: str, direction: str, stage: str) -> Cue:
    return Cue(re.compile(rf"\b(?:{words})\b", re.IGNORECASE), direction, stage)


CUES: tuple[Cue, ...] = (
    # Not "shipping": mostly the noun ("attacks on global shipping").
    _cue(r"ship(?:s|ped)?|shipments?", SUPPLY, Stage.DELIVERED),
    _cue(r"sends?|sending|sent", SUPPLY, Stage.DELIVERED),
    _cue(r"suppl(?:y|ies|ied|ying)", SUPPLY, Stage.DELIVERED),
    _cue(r"deliver(?:s|ed|ing)?|deliver(?:y|ies)", SUPPLY, Stage.DELIVERED),
    _cue(r"provid(?:e|es|ed|ing)", SUPPLY, Stage.DELIVERED),
    _cue(r"sell(?:s|ing)?|sold|sales?", SUPPLY, Stage.DELIVERED),
    _cue(r"transfer(?:s|red|ring)?", SUPPLY, Stage.DELIVERED),
    _cue(r"export(?:s|ed|ing)?", SUPPLY, Stage.DELIVERED),
    _cue(r"give[sn]?|gave|giving|donat(?:e|es|ed|ing)|hand(?:s|ed)? over", SUPPLY, Stage.DELIVERED),
    _cue(r"smuggl(?:e|es|ed|ing)|funnel(?:s|l?ed|l?ing)?|arming", SUPPLY, Stage.DELIVERED),
    _cue(r"offer(?:s|ed|ing)?", SUPPLY, Stage.OFFERED),
    _cue(r"acquired|obtained|procured|bought|purchased", ACQUIRE, Stage.DELIVERED),
    _cue(r"acquir(?:e|es|ing)|acquisitions?|obtain(?:s|ing)?", ACQUIRE, Stage.REQUESTED),
    _cue(r"procur(?:e|es|ing|ement)|buy(?:s|ing)?|purchas(?:e|es|ing)", ACQUIRE, Stage.REQUESTED),
    _cue(
        r"receiv(?:e|es|ed|ing)|import(?:s|ed|ing)?|t(?:ake|akes|ook|aking) delivery",
        ACQUIRE,
        Stage.DELIVERED,
    ),
    _cue(r"order(?:s|ed)?", ACQUIRE, Stage.AGREED),
    _cue(r"seek(?:s|ing)?|sought|wants?|wanted|request(?:s|ed|ing)?", ACQUIRE, Stage.REQUESTED),
    _cue(
        r"wish(?:es|ed)? to|keen to|interested in|looking at|shopping list|asked for",
        STAGE_ONLY,
        Stage.REQUESTED,
    ),
    _cue(
        r"talks|negotiat\w*|discuss(?:es|ed|ing|ion|ions)?|considering",
        STAGE_ONLY,
        Stage.UNDER_DISCUSSION,
    ),
    _cue(
        r"agree(?:s|d)?|agreements?|deals?|contracts?|sign(?:s|ed|ing)?|finali[sz]\w*",
        STAGE_ONLY,
        Stage.AGREED,
    ),
    _cue(
        r"stor(?:ed|es|ing)|caches?|arsenals?|stockpiles?|possession|seen|spotted|"
        r"photographed|evidence|displayed|fielded|owned|in service",
        POSSESS,
        Stage.OBSERVED_IN_POSSESSION,
    ),
    _cue(r"fired|launched|used|employed", USE, Stage.OBSERVED_IN_POSSESSION),
    _cue(r"suspend\w*|halt(?:s|ed)?|froze|frozen|paused", STAGE_ONLY, Stage.SUSPENDED),
    _cue(r"cancel\w*|abandon\w*|scrapped|called off|never signed", STAGE_ONLY, Stage.CANCELLED),
    _cue(
        r"seiz(?:e|es|ed|ing|ure)|destroy(?:s|ed|ing)?|intercept(?:s|ed|ing)?|"
        r"confiscat\w*|captur(?:e|es|ed)|interdict\w*|detain(?:s|ed)?",
        INTERDICT,
        Stage.INTERDICTED,
    ),
    _cue(
        r"train(?:s|ed|ing)?(?! exercises?| missions?| camps?| drills?| flights?)",
        TRAIN,
        Stage.DELIVERING,
    ),
)

#: Stages that end a transfer's story: where a clause has one, it is the stage.
TERMINAL_STAGES = (Stage.CANCELLED, Stage.SUSPENDED, Stage.INTERDICTED)

#: Cues that are nouns ("the delivery of", "shipments of"): their subject is
#: only an actor right before them ("Russian delivery", "Turkey's order").
NOMINAL_CUE = re.compile(
    r"^(?:shipments?|deliver(?:y|ies)|sales?|supplies|exports|acquisitions?|purchases|"
    r"orders|procurement|transfers?)$",
    re.IGNORECASE,
)

#: "is receiving", "were training": the transfer is under way.
PROGRESSIVE = re.compile(r"\b(?:is|are|was|were|been)\s+(?:\w+ly\s+)?\w+ing\s*$", re.IGNORECASE)

#: Words that hedge a claim. "may" only in lower case ("May 2021" is a month).
HEDGES = re.compile(
    r"\b(?:might|could|would|possibl[ey]|probabl[ey]|(?:un)?likely|reportedly|"
    r"allegedly|alleged|apparently|purportedly|supposedly|perhaps|maybe|suspected|"
    r"unconfirmed|(?:never|not) (?:been )?confirmed|neither confirmed nor denied|"
    r"could not be (?:independently )?verified|(?:is|are|was|were) (?:said|believed|"
    r"thought|reported) to|appears? to|appeared to|seems? to|seemed to|if)\b",
    re.IGNORECASE,
)
HEDGE_MAY = re.compile(r"\bmay\b")

#: A denial contradicts the claim; "neither confirmed nor denied" only hedges it.
DENIAL = re.compile(r"\b(?:denied|denies|deny|denying|rejected|refuted)\b", re.IGNORECASE)
NOT_A_DENIAL = re.compile(r"\bneither confirmed nor denied\b|\bnor denied\b", re.IGNORECASE)

#: Verbs of saying, after the one who says it ("Ukrainian intelligence reported").
SAYING = (
    r"reported|reports|said|says|claimed|claims|confirmed|confirms|announced|stated|"
    r"told|added|wrote|noted|observed|alleged|believes|released|published|"
    r"denied|denies|insisted|warned|estimated|estimate"
)

#: A preposition this close before an actor says which role it plays.
PREPOSITIONS = _words(
    "across against around at between by for from in inside into near of on over "
    "through to toward towards via with"
)
#: Words skipped between a preposition and the actor ("to the Houthis").
DETERMINERS = _words(
    "a all an both former her his its local many new other our several some the their "
    "these those various"
)
#: Where an actor after these is a place, not a party ("attacks at Damascus").
LOCATIVE = _words("across against around at in inside near on over toward towards")
RECIPIENT_PREPOSITIONS = frozenset({"to", "for", "into"})
SUPPLIER_PREPOSITIONS = frozenset({"from"})
PASSIVE_AGENT = "by"
TRANSIT_PREPOSITIONS = frozenset({"via", "through"})

#: "Iran-backed": the actor sponsors the one it qualifies, it is no party.
SPONSOR_SUFFIX = re.compile(r"^-(?:backed|sponsored|supported|allied|aligned|led|funded)\b")
#: "Iranian-made drones": where the system comes from.
ORIGIN_SUFFIX = re.compile(r"^-(?:made|built|designed|produced|spec|origin|supplied)\b")

#: Nouns that close an organisation's name ("… Defense Ministry", "… Corps").
ORGANISATION_HEADS = _words(
    "administration aerospace agency army authority battalion brigade brigades bureau "
    "command commission committee company corp corporation corps council department "
    "directorate division dynamics factory force forces front group guard guards "
    "holding holdings inc industries industry institute ltd militia militias ministry "
    "movement navy office organisation organization party plant presidency regiment "
    "service services systems works"
)
#: Lower-case words allowed inside an organisation's name.
ORGANISATION_JOINERS = _words("al and de du for of the")
#: Capitalised words that open a sentence or a title, not a name.
NOT_NAME_WORDS = _words(
    "a about according after against all also although amid among an and another as "
    "at before between beyond both but by despite during each earlier eight even "
    "every five for four from further given he her here his how i if in it its just "
    "last later less many more most new next nine no not note of on one only or other "
    "our over read seven she since six so some still such ten that the their then "
    "there these they this those though three thus to two under we what when whether "
    "which while who whom whose why with without yet"
)
#: Acronyms that name things, not organisations.
NOT_ORGANISATION_ACRONYMS = _words(
    "am atgm atgms ba ceo gdp ii iii iv km ma manpads mm ok phd pm rpg rpgs tv uav uavs usd vi"
)

#: Weapon nouns that name a (generic) system on their own ("artillery
#: shells", "rockets"), and those that need a modifier or a name before them
#: ("transport aircraft", "Kirpi armoured vehicles"): "100 aircraft" is no
#: system of its own.
WEAPON_NOUNS = _words(
    "shells munitions ammunition rockets rocket missiles missile drones drone tanks tank "
    "howitzers howitzer grenades grenade rifles rifle submarines submarine frigates frigate "
    "corvettes corvette warships helicopters helicopter torpedoes torpedo interceptors mortars"
)
HEADED_WEAPON_NOUNS = _words(
    "aircraft jets jet fighters fighter vehicles vehicle sensors sensor radars radar guns gun "
    "launchers launcher systems system batteries battery rounds bombers bomber boats"
)
WEAPON_MODIFIERS = _words(
    "artillery ballistic cruise anti-ship anti-tank anti-aircraft air-to-air surface-to-air "
    "air-defence air-defense fighter transport attack combat armoured armored optical naval "
    "battle main stealth short-range long-range medium-range guided precision-guided "
    "loitering kamikaze assault sniper machine multiple rocket tactical strategic "
    "hypersonic supersonic patrol unmanned infantry self-propelled"
)
