from django.core.management.base import BaseCommand

from transfers import evidence


class Command(BaseCommand):
    help = (
        "Recompute what the evidence says of every transfer and status event: computed "
        "credibility, independent sources, the date first reported, and whether the transfer "
        "reached agreement. Run it after loading data that bypassed the models' saves "
        "(loaddata, bulk imports) or after migrating data from before the evidence model."
    )

    def handle(self, *args, **options):
        changed = evidence.refresh_all()
        self.stdout.write(f"Recomputed the evidence: {changed} rows changed.")
