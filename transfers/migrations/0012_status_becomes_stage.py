"""`status` becomes `stage` (issue 14): first drop what names the old column
(its check constraints and the covering flow indexes, rebuilt in 0013 on the
new columns), then rename it on the transfers, their events and histories."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("transfers", "0011_transfer_default_order_undated_last")]

    operations = [
        migrations.RemoveConstraint(model_name="transfer", name="transfers_transfer_status_valid"),
        migrations.RemoveConstraint(
            model_name="statusevent", name="transfers_statusevent_status_valid"
        ),
        migrations.RemoveIndex(model_name="transfer", name="transfers_supplier_recipient"),
        migrations.RemoveIndex(model_name="transfer", name="transfers_recipient_supplier"),
        migrations.RenameField(model_name="transfer", old_name="status", new_name="stage"),
        migrations.RenameField(model_name="statusevent", old_name="status", new_name="stage"),
        migrations.RenameField(model_name="historicaltransfer", old_name="status", new_name="stage"),
        migrations.RenameField(
            model_name="historicalstatusevent", old_name="status", new_name="stage"
        ),
    ]
