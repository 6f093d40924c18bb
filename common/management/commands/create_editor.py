from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

EDITORS_GROUP = "Editors"
#: The curated models an editor adds, changes and deletes (app label, model).
EDITED_MODELS = [
    ("actors", "actor"),
    ("transfers", "system"),
    ("transfers", "transfer"),
    ("transfers", "statusevent"),
    ("transfers", "delivery"),
    ("sources", "source"),
    ("sources", "citation"),
]


def editors_group() -> Group:
    """The "Editors" group, holding add/change/delete on every curated model."""
    group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
    permissions = []
    for app_label, model in EDITED_MODELS:
        permissions += Permission.objects.filter(
            content_type__app_label=app_label,
            codename__in=[f"{action}_{model}" for action in ("add", "change", "delete")],
        )
    group.permissions.add(*permissions)
    return group


class Command(BaseCommand):
    help = (
        'Create (or update) an API editor: a user in the "Editors" group, which may add, '
        "change and delete actors, systems, transfers, status events, deliveries, sources and "
        "citations (not users, not the admin). Prints the user's API token. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--token-only",
            action="store_true",
            help="Print only the token key (for scripts).",
        )

    @transaction.atomic
    def handle(self, *args, username, token_only, **options):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(editors_group())
        token, _created = Token.objects.get_or_create(user=user)
        if token_only:
            self.stdout.write(token.key)
        else:
            verb = "Created" if created else "Updated"
            self.stdout.write(f"{verb} the editor {username}. API token: {token.key}")
