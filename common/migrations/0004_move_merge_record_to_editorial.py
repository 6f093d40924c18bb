"""MergeRecord now belongs to the editorial app (editorial/migrations/0001).
Only Django's idea of the model moves: the table `common_mergerecord` and
its rows stay where they are, now owned by editorial."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("common", "0003_drop_plain_text_tokens"),
        # Editorial takes the table over first, so that no state lacks it.
        ("editorial", "0001_take_over_merge_record"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MergeRecord")],
            database_operations=[],
        ),
    ]
