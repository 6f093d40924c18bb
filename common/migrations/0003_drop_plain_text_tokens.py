"""DRF's authtoken app is gone (API tokens are django-rest-knox digests now),
but a database migrated before keeps its `authtoken_token` table: every API
key in plain text. Drop it; the keys it held stop working anyway. Its content
types and permissions go with `manage.py remove_stale_contenttypes`."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("common", "0002_refuse_control_characters")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", reverse_sql=migrations.RunSQL.noop),
    ]
