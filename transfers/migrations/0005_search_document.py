import django.contrib.postgres.search
from django.db import migrations

# SQLite cannot take `USING gin`, and does not search the column anyway: the
# index (and the filling in of documents) happens on PostgreSQL only.
INDEX = "transfers_transfer_search_document_gin"


def fill_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from common.search import rebuild_documents
    from transfers.search import TRANSFER_SEARCH

    # An empty table (a new database) builds no query at all, so later
    # changes to the spec cannot break this migration there.
    Transfer = apps.get_model("transfers", "Transfer")
    rebuild_documents(
        Transfer._base_manager.using(schema_editor.connection.alias), TRANSFER_SEARCH
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON transfers_transfer USING gin (search_document)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ('transfers', '0004_covering_flow_indexes'),
        ('actors', '0003_parent_relation_rules'),
        ('sources', '0002_history'),
    ]

    operations = [
        migrations.AddField(
            model_name='transfer',
            name='search_document',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True, serialize=False),
        ),
        # Before the index: filling a large table is faster without it.
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
