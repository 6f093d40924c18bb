from django.conf import settings
from django.db import models

from common.validators import validate_text


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
        # The model moved here from `common` without touching the database
        # (migration 0001): the table, its constraints and its index keep the
        # names they were created with, so they are spelled out, not derived
        # from this app's label.
        db_table = "common_mergerecord"
        ordering = ["merged_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "old_id"], name="common_mergerecord_unique_old_id"
            ),
            models.CheckConstraint(
                condition=~models.Q(old_id=models.F("survivor_id")),
                name="common_mergerecord_not_merged_into_itself",
            ),
        ]
        indexes = [models.Index(fields=["content_type", "old_slug"], name="common_merge_old_slug")]

    def __str__(self):
        return f"{self.content_type.model} #{self.old_id} → #{self.survivor_id}"
