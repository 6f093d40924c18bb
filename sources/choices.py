from django.db import models


class SourceKind(models.TextChoices):
    NEWS = "news", "News article"
    ANALYSIS = "analysis", "Think-tank analysis"
    OFFICIAL = "official", "Official statement"
    DATASET = "dataset", "Dataset"
    OTHER = "other", "Other"


class Reliability(models.TextChoices):
    """Source reliability on the Admiralty (NATO) scale."""

    A = "A", "A – Completely reliable"
    B = "B", "B – Usually reliable"
    C = "C", "C – Fairly reliable"
    D = "D", "D – Not usually reliable"
    E = "E", "E – Unreliable"
    F = "F", "F – Reliability cannot be judged"
