import django.contrib.postgres.search
from django.db import migrations

# SQLite cannot take `USING gin`, and does not search the column anyway: the
# index (and the filling in of documents) happens on PostgreSQL only.
INDEX = "sources_citation_search_document_gin"


def fill_documents(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from common.search import SearchSpec, rebuild_documents

    # The citation search spec as it stood here (it lives in transfers.filters
    # since the model moved there); written out so that sources' migrations
    # import no other app.
    CITATION_SEARCH = SearchSpec(
        fields={"quote": "A", "location": "C", "note": "C"}, document_field="search_document"
    )

    # An empty table (a new database) builds no query at all, so later
    # changes to the spec cannot break this migration there.
    Citation = apps.get_model("sources", "Citation")
    rebuild_documents(
        Citation._base_manager.using(schema_editor.connection.alias),
        CITATION_SEARCH,
        batch_size=50000,
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON sources_citation USING gin (search_document)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # Found at 200,000 transfers: a citation search computed every quote's
    # vector per request (2.6 s for one word). It reads a stored one now.

    dependencies = [
        ('sources', '0004_slug_not_only_digits'),
    ]

    operations = [
        migrations.AddField(
            model_name='citation',
            name='search_document',
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True, serialize=False),
        ),
        # Before the index: filling a large table is faster without it.
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
