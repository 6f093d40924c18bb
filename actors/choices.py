from django.db import models


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    STATE_ORGAN = "state_organ", "State organ or armed force"
    ARMED_GROUP = "armed_group", "Non-state armed group"
    PMC = "pmc", "Private military company"
    COMPANY = "company", "Company or manufacturer"
    INTERNATIONAL_ORG = "international_org", "International organisation"
    OTHER = "other", "Other"


class RelationKind(models.TextChoices):
    """How an actor stands to another: "actor <kind> related", e.g. the IRGC
    part of Iran, the Hashd al-Sha'bi sponsored by Iran."""

    PART_OF = "part_of", "Part of"
    SPONSORED_BY = "sponsored_by", "Sponsored by"
    OPERATED_BY = "operated_by", "Operated by"
    AFFILIATED_WITH = "affiliated_with", "Affiliated with"
