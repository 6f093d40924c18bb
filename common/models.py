"""Abstract building blocks shared by the curated models."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds creation and last-change timestamps (the API syncs on `updated`)."""

    created = models.DateTimeField(auto_now_add=True, editable=False)
    updated = models.DateTimeField(auto_now=True, editable=False, db_index=True)

    class Meta:
        abstract = True
