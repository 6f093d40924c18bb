from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from transfers.models import Transfer

SEED_FIXTURE = settings.BASE_DIR / "fixtures" / "seed.json"
DEMO_USERNAME = "admin"
DEMO_PASSWORD = "admin"  # noqa: S105 - a demo login, refused outside DEBUG


class Command(BaseCommand):
    help = (
        "Prepare a demo database: load the seed fixture into an empty database and "
        "create the demo login admin/admin. Only with DEBUG on."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_setup creates a login with a known password; it runs only with DEBUG=1."
            )
        if Transfer.objects.exists():
            self.stdout.write("The database already holds transfers; the seed is not loaded again.")
        elif SEED_FIXTURE.exists():
            call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
            self.stdout.write(f"Loaded the seed fixture: {Transfer.objects.count()} transfers.")
        else:
            self.stdout.write(self.style.WARNING(f"No seed fixture at {SEED_FIXTURE}."))

        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.stdout.write(f"Created the demo login {DEMO_USERNAME} / {DEMO_PASSWORD}.")
