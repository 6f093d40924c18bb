"""The production configuration: `check --deploy` is clean with the
documented environment, and the settings read what it gives them."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

PRODUCTION_ENV = settings.BASE_DIR / "docker" / "production.env.example"


def documented_env(**overrides) -> dict:
    """The environment of docker/production.env.example (the README's), with a
    real random key and a local database, and nothing from this shell's DEBUG."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    for line in PRODUCTION_ENV.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    env["DATABASE_URL"] = "sqlite:///unused.sqlite3"
    env.update(overrides)
    return env


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_documented_production_env():
    completed = manage("check", "--deploy", "--fail-level", "WARNING", env=documented_env())
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "no issues" in completed.stdout


def test_check_deploy_names_what_is_missing_without_it():
    env = documented_env(SECURE_HSTS_PRELOAD="0")
    completed = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert completed.returncode != 0
    assert "security.W021" in completed.stderr


@pytest.mark.parametrize(
    "key",
    [
        "replace-with-50-random-characters",  # docker/production.env.example's
        "insecure-development-key-do-not-use-in-production",  # the DEBUG default
        "short",
        "abcd" * 20,  # long, but four different characters
        "django-insecure-" + secrets.token_urlsafe(50),
    ],
)
def test_production_refuses_to_start_with_the_example_or_a_weak_secret_key(key):
    completed = manage("check", env=documented_env(SECRET_KEY=key))
    assert completed.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is the example's" in completed.stderr


def test_the_documented_example_key_is_the_one_refused():
    example = dict(
        line.split("=", 1)
        for line in PRODUCTION_ENV.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    completed = manage("check", env=documented_env(SECRET_KEY=example["SECRET_KEY"]))
    assert "SECRET_KEY is the example's" in completed.stderr


def read_settings(env, expression) -> object:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({expression}, default=str))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_production_settings_are_hardened():
    values = read_settings(
        documented_env(),
        "[settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_PROXY_SSL_HEADER, settings.CACHES['default']['BACKEND'], "
        "settings.STORAGES['staticfiles']['BACKEND'], "
        "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'], "
        "settings.REST_FRAMEWORK['NUM_PROXIES']]",
    )
    assert values == [
        False,
        True,
        True,
        True,
        31536000,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        "django_redis.cache.RedisCache",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
        {"anon": "120/minute", "user": "1200/minute", "login": "10/minute"},
        1,
    ]


def test_throttle_rates_come_from_the_environment_and_empty_turns_them_off():
    rates = read_settings(
        documented_env(ANON_THROTTLE_RATE="7/hour", USER_THROTTLE_RATE=""),
        "settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']",
    )
    assert rates == {"anon": "7/hour", "user": None, "login": "10/minute"}


def test_without_a_cache_url_production_refuses_to_start():
    """Local memory would count per worker, the database would fail every
    request when it is read-only: production names the Redis to use."""
    env = documented_env()
    del env["REDIS_URL"]
    completed = manage("check", env=env)
    assert completed.returncode != 0
    assert "Set REDIS_URL" in completed.stderr


def test_the_redis_cache_and_the_database_have_timeouts():
    values = read_settings(
        documented_env(DATABASE_URL="postgres://app:pw@db:5432/app"),
        "[settings.CACHES['default'], settings.DATABASES['default']['OPTIONS'], "
        "settings.DATABASES['default']['CONN_HEALTH_CHECKS']]",
    )
    assert values[0] == {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://redis:6379/0",
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2},
    }
    assert values[1] == {
        "options": "-c jit=off -c statement_timeout=30s",
        "connect_timeout": 5,
        # Only common.rows's server-binding cursors prepare (Django's own never do).
        "prepare_threshold": 5,
    }
    assert values[2] is True


def test_management_commands_get_their_own_statement_timeout_none_by_default():
    env = documented_env(DATABASE_URL="postgres://app:pw@db:5432/app")
    code = (
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    assert manage("shell", "--no-imports", "-c", code, env=env).stdout.strip() == (
        "-c jit=off -c statement_timeout=0"
    )
    env["DB_COMMAND_STATEMENT_TIMEOUT"] = "10min"
    assert manage("shell", "--no-imports", "-c", code, env=env).stdout.strip() == (
        "-c jit=off -c statement_timeout=10min"
    )


def test_a_statement_timeout_that_is_not_a_duration_is_refused():
    env = documented_env(DATABASE_URL="postgres://app:pw@db:5432/app")
    env["DB_STATEMENT_TIMEOUT"] = "30s -c default_transaction_read_only=off"
    completed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "is not a duration" in completed.stderr
