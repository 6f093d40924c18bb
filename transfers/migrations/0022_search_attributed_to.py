from django.db import migrations


def refill_documents(apps, schema_editor):
    """The stored documents now hold whom each citation attributes its claim
    to (transfers.search.TRANSFER_SEARCH): recompute them (PostgreSQL only,
    where they are stored)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from common.search import rebuild_documents
    from transfers.search import TRANSFER_SEARCH

    Transfer = apps.get_model("transfers", "Transfer")
    rebuild_documents(
        Transfer._base_manager.using(schema_editor.connection.alias), TRANSFER_SEARCH
    )


class Migration(migrations.Migration):
    dependencies = [("transfers", "0021_flow_indexes_cover_profiles")]

    # Reversing keeps the fuller documents: they still match every search
    # the narrower ones did.
    operations = [migrations.RunPython(refill_documents, migrations.RunPython.noop, elidable=True)]
