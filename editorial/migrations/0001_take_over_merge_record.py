"""MergeRecord moves here from `common` (which must not know about merges).

State only: the table `common_mergerecord` (created by common's migration
0001), its constraints, index and rows stay as they are; common's migration
0004 then forgets the model. The content type is relabelled, so the
permissions on merge records (and any group holding them) carry over.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import common.validators


def relabel_content_type(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="mergerecord").exists():
        ContentType.objects.using(db).filter(app_label=old, model="mergerecord").update(
            app_label=new
        )


def forwards(apps, schema_editor):
    relabel_content_type(apps, schema_editor, "common", "editorial")


def backwards(apps, schema_editor):
    relabel_content_type(apps, schema_editor, "editorial", "common")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("common", "0003_drop_plain_text_tokens"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MergeRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("old_id", models.BigIntegerField()),
                        ("old_slug", models.CharField(blank=True, max_length=150)),
                        ("survivor_id", models.BigIntegerField()),
                        ("merged_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        (
                            "reason",
                            models.TextField(
                                blank=True, validators=[common.validators.validate_text]
                            ),
                        ),
                        (
                            "content_type",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="contenttypes.contenttype",
                            ),
                        ),
                        (
                            "merged_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "common_mergerecord",
                        "ordering": ["merged_at", "id"],
                        "indexes": [
                            models.Index(
                                fields=["content_type", "old_slug"], name="common_merge_old_slug"
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("content_type", "old_id"),
                                name="common_mergerecord_unique_old_id",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("old_id", models.F("survivor_id")), _negated=True),
                                name="common_mergerecord_not_merged_into_itself",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
