from django.db import models


class ActorKind(models.TextChoices):
    STATE = "state", "State"
    STATE_ORGAN = "state_organ", "State organ or armed force"
    ARMED_GROUP = "armed_group", "Non-state armed group"
    PMC = "pmc", "Private military company"
    COMPANY = "company", "Company or manufacturer"
    INTERNATIONAL_ORG = "international_org", "International organisation"
    OTHER = "other", "Other"


class AffiliationKind(models.TextChoices):
    PART_OF = "part_of", "Part of"
    SPONSORED_BY = "sponsored_by", "Sponsored by"
    AFFILIATED_WITH = "affiliated_with", "Affiliated with"
