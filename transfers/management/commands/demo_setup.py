from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

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
        call_command("load_seed", stdout=self.stdout)

        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.stdout.write(f"Created the demo login {DEMO_USERNAME} / {DEMO_PASSWORD}.")
