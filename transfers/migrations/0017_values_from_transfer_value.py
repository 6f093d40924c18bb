"""Each transfer's `value` and `value_currency` become a Value of the transfer
(kind "other": the old field did not say what the value was of; not an
estimate, as the old field could not say so either). Backwards, a transfer
takes back the amount of its first value, of any kind (a package's values
have nowhere to go and are left out)."""

from django.db import migrations


def values_from_transfers(apps, schema_editor):
    Transfer = apps.get_model("transfers", "Transfer")
    Value = apps.get_model("transfers", "Value")
    batch = []
    rows = (
        Transfer.objects.filter(value__isnull=False)
        .order_by("id")
        .values_list("id", "value", "value_currency")
    )
    for transfer_id, amount, currency in rows.iterator(chunk_size=2000):
        batch.append(
            Value(
                transfer_id=transfer_id,
                kind="other",
                amount=amount,
                currency=currency.upper(),
                is_estimate=False,
                is_hedged=False,
            )
        )
        if len(batch) >= 2000:
            Value.objects.bulk_create(batch)
            batch = []
    Value.objects.bulk_create(batch)


def transfers_from_values(apps, schema_editor):
    Transfer = apps.get_model("transfers", "Transfer")
    Value = apps.get_model("transfers", "Value")
    first = {}
    for transfer_id, amount, currency in (
        Value.objects.filter(transfer__isnull=False)
        .order_by("transfer_id", "id")
        .values_list("transfer_id", "amount", "currency")
    ):
        first.setdefault(transfer_id, (amount, currency))
    for transfer_id, (amount, currency) in first.items():
        Transfer.objects.filter(pk=transfer_id).update(value=amount, value_currency=currency)


class Migration(migrations.Migration):

    dependencies = [
        ("transfers", "0016_values_and_packages"),
    ]

    operations = [
        migrations.RunPython(values_from_transfers, transfers_from_values, elidable=False),
    ]
