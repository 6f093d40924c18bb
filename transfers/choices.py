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


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    REPORTED = "reported", "Reported"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    DENIED = "denied", "Denied"
    INTERDICTED = "interdicted", "Interdicted"


class Condition(models.TextChoices):
    """The equipment's condition, as in SIPRI's trade register."""

    NEW = "new", "New"
    SECOND_HAND = "second_hand", "Second hand"
    SECOND_HAND_MODERNISED = "second_hand_modernised", "Second hand but modernised"


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports"
    CONTRADICTS = "contradicts", "Contradicts"


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
