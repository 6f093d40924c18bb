from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("transfers", "0017_values_from_transfer_value"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='transfer',
            name='transfers_transfer_value_with_currency',
        ),
        migrations.RemoveField(
            model_name='historicaltransfer',
            name='value',
        ),
        migrations.RemoveField(
            model_name='historicaltransfer',
            name='value_currency',
        ),
        migrations.RemoveField(
            model_name='transfer',
            name='value',
        ),
        migrations.RemoveField(
            model_name='transfer',
            name='value_currency',
        ),
    ]
