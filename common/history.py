"""Change history for curated records (django-simple-history).

django-simple-history writes a historical row on every save and delete,
with the user (from the request) and an optional change reason. It skips
"raw" saves, which is what `loaddata` does; a fixture load is a change
like any other here, so this subclass records those too.
"""

from simple_history.models import HistoricalRecords


class History(HistoricalRecords):
    def __init__(self, **kwargs):
        kwargs.setdefault("cascade_delete_history", False)
        super().__init__(**kwargs)

    def post_save(self, instance, created, using=None, **kwargs):
        kwargs["raw"] = False
        super().post_save(instance, created, using=using, **kwargs)
