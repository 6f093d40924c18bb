from django.db import models


class SystemCategory(models.TextChoices):
    """Armament categories, after SIPRI's."""

    AIRCRAFT = "aircraft", "Aircraft"
    AIR_DEFENCE = "air_defence", "Air defence systems"
    ARMOURED_VEHICLES = "armoured_vehicles", "Armoured vehicles"
    ARTILLERY = "artillery", "Artillery"
    MISSILES = "missiles", "Missiles"
    NAVAL_WEAPONS = "naval_weapons", "Naval weapons"
    SHIPS = "ships", "Ships"
    SENSORS = "sensors", "Sensors"
    ENGINES = "engines", "Engines"
    UAV = "uav", "Unmanned aerial vehicles"
    SALW = "salw", "Small arms and light weapons"
    OTHER = "other", "Other"


class TransferType(models.TextChoices):
    SALE = "sale", "Sale"
    AID = "aid", "Aid or gift"
    LICENSED_PRODUCTION = "licensed_production", "Licensed production"
    TECHNOLOGY_TRANSFER = "technology_transfer", "Technology transfer or know-how"
    TRAINING = "training", "Training"
    ILLICIT = "illicit", "Illicit or smuggled"
    OTHER = "other", "Other"


class Stage(models.TextChoices):
    """How far a deal got, in lifecycle order: a stage, not a degree of
    certainty (that is a claim's credibility)."""

    REQUESTED = "requested", "Requested"
    OFFERED = "offered", "Offered"
    UNDER_DISCUSSION = "under_discussion", "Under discussion"
    AGREED = "agreed", "Agreed (order, contract or decision to supply)"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    OBSERVED_IN_POSSESSION = "observed_in_possession", "Observed in possession"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"
    DENIED = "denied", "Denied by the supplier"
    INTERDICTED = "interdicted", "Interdicted"


# A transfer that reached one of these stages is counted by default in flows,
# the network, profiles and the register (as SIPRI counts orders and
# deliveries): an agreement, its execution, materiel seen with the recipient,
# or a shipment stopped on its way (which was sent, so supplied).
AGREED_OR_LATER = frozenset(
    {
        Stage.AGREED,
        Stage.DELIVERING,
        Stage.DELIVERED,
        Stage.OBSERVED_IN_POSSESSION,
        Stage.INTERDICTED,
    }
)

# How the statuses before the split became stages (migration 0013): a
# "reported" deal is only known to have been discussed, a "confirmed" one to
# have been agreed; how sure we are is now the credibility, from evidence.
STAGE_OF_OLD_STATUS = {
    "requested": "requested",
    "reported": "under_discussion",
    "confirmed": "agreed",
    "cancelled": "cancelled",
    "denied": "denied",
    "interdicted": "interdicted",
}


class Credibility(models.IntegerChoices):
    """A claim's credibility on the Admiralty scale's second axis."""

    CONFIRMED = 1, "1 – Confirmed by independent sources"
    PROBABLY_TRUE = 2, "2 – Probably true"
    POSSIBLY_TRUE = 3, "3 – Possibly true"
    DOUBTFUL = 4, "4 – Doubtful"
    IMPROBABLE = 5, "5 – Improbable"
    CANNOT_BE_JUDGED = 6, "6 – Cannot be judged"


class IntermediaryRole(models.TextChoices):
    """What an intermediary did for a transfer (blank where the evidence does not say)."""

    BROKER = "broker", "Broker"
    TRANSIT = "transit", "Transit"
    RE_EXPORTER = "re_exporter", "Re-exporter"
    CARRIER = "carrier", "Carrier"


class Condition(models.TextChoices):
    """The equipment's condition, as in SIPRI's trade register."""

    NEW = "new", "New"
    SECOND_HAND = "second_hand", "Second hand"
    SECOND_HAND_MODERNISED = "second_hand_modernised", "Second hand but modernised"


class Stance(models.TextChoices):
    """What a citation does to its claim. A hedge ("may have", "reportedly",
    "officials never confirmed") supports it less than a plain statement."""

    SUPPORTS = "supports", "Supports"
    SUPPORTS_HEDGED = "supports_hedged", "Supports with a hedge"
    CONTRADICTS = "contradicts", "Contradicts"


class ValueKind(models.TextChoices):
    """What a value is the value of."""

    CONTRACT = "contract", "Contract value"
    PAYMENT = "payment", "Payment"
    PACKAGE = "package", "Value of a package of several transfers"
    OTHER = "other", "Other"


class ContradictionKind(models.TextChoices):
    """What a contradiction is between."""

    STANCE = "stance", "Citations for and against one claim"
    STAGE = "stage", "Stages that cannot both hold at the time"
    QUANTITY = "quantity", "Different quantities"
    VALUE = "value", "Different values"
    OTHER = "other", "Other"


class ContradictionState(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class AnchorState(models.TextChoices):
    """Whether a citation's quote is tied to a place in its source's stored text."""

    UNANCHORED = "unanchored", "Not anchored (the source has no stored text)"
    ANCHORED = "anchored", "Anchored in the source's current text"
    ORPHANED = "orphaned", "Orphaned (not found in the current text; anchored in an older one)"
