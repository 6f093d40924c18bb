from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from knox.models import AuthToken

EDITORS_GROUP = "Editors"
#: The curated models an editor adds, changes and deletes (app label, model).
EDITED_MODELS = [
    ("actors", "actor"),
    ("actors", "actorrelation"),
    ("transfers", "system"),
    ("transfers", "transfer"),
    ("transfers", "statusevent"),
    ("transfers", "delivery"),
    ("sources", "source"),
    ("sources", "sourcetext"),
    ("transfers", "citation"),
    ("transfers", "citationrelay"),
    ("transfers", "package"),
    ("transfers", "value"),
    ("transfers", "contradiction"),
    ("assistant", "candidate"),
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
        "change and delete actors, actor relations, systems, transfers, status events, "
        "deliveries, sources and their texts, citations and their relayed reports, packages, "
        "values and contradictions, and review the reading assistant's candidates (not "
        "users). With --admin the user may also log in to the "
        "admin, to curate there with the same permissions. Prints a new API token for the "
        "user, valid TOKEN_TTL_HOURS (or --ttl-hours). Safe to run again: each run adds a token."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--token-only",
            action="store_true",
            help="Print only the token key (for scripts).",
        )
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Let the editor log in to the admin (staff status; no other permission).",
        )
        parser.add_argument(
            "--ttl-hours",
            type=float,
            help="Hours until the token expires (default: the TOKEN_TTL_HOURS setting).",
        )

    @transaction.atomic
    def handle(self, *args, username, token_only, ttl_hours, admin, **options):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
        if admin:
            user.is_staff = True
        user.save()
        user.groups.add(editors_group())
        # Only the digest is stored: the key is shown here once, never again.
        if ttl_hours is None:
            instance, key = AuthToken.objects.create(user=user)
        else:
            instance, key = AuthToken.objects.create(user=user, expiry=timedelta(hours=ttl_hours))
        if token_only:
            self.stdout.write(key)
        else:
            verb = "Created" if created else "Updated"
            expires = f"{instance.expiry:%Y-%m-%d %H:%M} UTC"
            self.stdout.write(f"{verb} the editor {username}. API token (expires {expires}): {key}")
