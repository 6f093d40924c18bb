"""Abstract building blocks shared by the curated models."""

from django.conf import settings
from django.db import models

from .validators import validate_text


class TimeStampedModel(models.Model):
    """Adds creation and last-change timestamps (the API syncs on `updated`)."""

    created = models.DateTimeField(auto_now_add=True, editable=False)
    updated = models.DateTimeField(auto_now=True, editable=False, db_index=True)

    class Meta:
        abstract = True


class MergeRecord(models.Model):
    """A record merged away into a survivor. Keeps the old id and slug
    answering (the API redirects them to the survivor) and feeds the list
    of what is gone."""

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    old_id = models.BigIntegerField()
    old_slug = models.CharField(max_length=150, blank=True)
    survivor_id = models.BigIntegerField()
    merged_at = models.DateTimeField(auto_now_add=True, db_index=True)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(blank=True, validators=[validate_text])

    class Meta:
        ordering = ["merged_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "old_id"], name="%(app_label)s_%(class)s_unique_old_id"
            ),
            models.CheckConstraint(
                condition=~models.Q(old_id=models.F("survivor_id")),
                name="%(app_label)s_%(class)s_not_merged_into_itself",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "old_slug"], name="common_merge_old_slug")]

    def __str__(self):
        return f"{self.content_type.model} #{self.old_id} → #{self.survivor_id}"
