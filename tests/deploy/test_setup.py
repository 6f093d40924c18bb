import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from editorial.management.commands.create_editor import EDITED_MODELS
from transfers.management.commands.demo_setup import SEED_FIXTURE
from transfers.models import Transfer


def _django_setup(**env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    env.update(env_overrides, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup()",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    completed = _django_setup(DEBUG="0")
    assert completed.returncode != 0
    assert "SECRET_KEY must be set" in completed.stderr


def test_production_settings_start_with_a_secret_key():
    completed = _django_setup(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_demo_setup_refuses_to_create_a_known_login_outside_debug():
    with pytest.raises(CommandError, match="only with DEBUG=1"):
        call_command("demo_setup")
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_demo_setup_creates_the_login_and_loads_the_seed_once(capsys):
    call_command("demo_setup")
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password("admin")
    loaded = Transfer.objects.count()
    if SEED_FIXTURE.exists():
        assert loaded > 0
    call_command("demo_setup")
    assert Transfer.objects.count() == loaded
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_seed_loads_once_and_needs_no_debug(capsys):
    call_command("load_seed")
    loaded = Transfer.objects.count()
    if SEED_FIXTURE.exists():
        assert loaded > 0
    call_command("load_seed")
    assert "not loaded again" in capsys.readouterr().out or not loaded
    assert Transfer.objects.count() == loaded


@pytest.mark.django_db
def test_create_editor_makes_a_group_member_with_a_token_and_can_run_again(capsys):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    call_command("create_editor", "clerk", "--token-only")
    key = capsys.readouterr().out.strip()
    user = get_user_model().objects.get(username="clerk")
    stored = AuthToken.objects.get(user=user)
    assert key not in (stored.digest, stored.token_key)  # only a digest and a prefix
    assert not user.is_staff and not user.has_usable_password()
    assert user.has_perms(["transfers.add_transfer", "transfers.delete_citation"])
    assert not user.has_perm("auth.add_user")
    call_command("create_editor", "clerk", "--token-only", "--ttl-hours", "1")
    second = capsys.readouterr().out.strip()
    assert second != key
    for token in (key, second):
        client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        body = {"name": f"Actor {token[:6]}", "slug": f"actor-{token[:6]}", "kind": "company"}
        assert client.post("/api/v1/actors/", body, format="json").status_code == 201
    expiries = sorted(AuthToken.objects.filter(user=user).values_list("expiry", flat=True))
    assert 0.9 < (expiries[0] - stored.created).total_seconds() / 3600 < 1.1
    assert 9.9 < (expiries[1] - stored.created).total_seconds() / 3600 < 10.1
    # Add, change and delete on each curated model.
    assert user.groups.get().permissions.count() == 3 * len(EDITED_MODELS) == 42
