from django.core.management import call_command
from django.core.management.base import BaseCommand

from transfers import contradictions, evidence
from transfers.models import Transfer

from .demo_setup import SEED_FIXTURE


class Command(BaseCommand):
    help = (
        "Load the seed fixture (fixtures/seed.json) into a database that holds no transfers "
        "yet. Safe to run again: a database with transfers is left as it is."
    )

    def handle(self, *args, **options):
        if Transfer.objects.exists():
            self.stdout.write("The database already holds transfers; the seed is not loaded again.")
            return
        if not SEED_FIXTURE.exists():
            self.stdout.write(self.style.WARNING(f"No seed fixture at {SEED_FIXTURE}."))
            return
        call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
        # loaddata writes rows as they are in the file, which the signals
        # skip: what their evidence says (credibility, independent sources,
        # first reported) is derived now, and the detection of contradictions
        # runs once, keeping any the fixture holds.
        evidence.refresh_all()
        contradictions.detect_all()
        self.stdout.write(f"Loaded the seed fixture: {Transfer.objects.count()} transfers.")
