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


class TextFormat(models.TextChoices):
    """What a stored text was received as."""

    TEXT = "text", "Plain text"
    MARKDOWN = "markdown", "Markdown"
    HTML = "html", "HTML page (its main text extracted)"


class TextOrigin(models.TextChoices):
    """How a stored text came in."""

    PASTED = "pasted", "Pasted by an editor"
    UPLOADED = "uploaded", "Uploaded file"
    FETCHED = "fetched", "Fetched from its URL"
    ARCHIVED = "archived", "Taken from the project's archive of documents"
    API = "api", "Sent through the API"
