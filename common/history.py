"""Change history for curated records (django-simple-history).

django-simple-history writes a historical row on every save and delete,
with the user (from the request) and an optional change reason. It skips
"raw" saves, which is what `loaddata` does; a fixture load is a change
like any other here, so this subclass records those too.
"""

from django.db import models
from simple_history.models import HistoricalRecords


class History(HistoricalRecords):
    def __init__(self, **kwargs):
        kwargs.setdefault("cascade_delete_history", False)
        super().__init__(**kwargs)

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        # The deletions feed (/api/v1/deleted/) reads the deletions since a
        # moment, oldest first. Deletions are a sliver of the history; without
        # an index of their own, a `since` long ago read every version.
        options["indexes"] = [
            *options.get("indexes", ()),
            models.Index(
                fields=["history_date", "id"],
                condition=models.Q(history_type="-"),
                name=f"h_{model._meta.model_name[:18]}_deleted",
            ),
        ]
        return options

    def post_save(self, instance, created, using=None, **kwargs):
        kwargs["raw"] = False
        super().post_save(instance, created, using=using, **kwargs)


def save_with_reason(instance, reason, **kwargs):
    """Save `instance`, keeping `reason` as the why of this version."""
    instance._change_reason = reason
    instance.save(**kwargs)
