"""The production configuration: `check --deploy` is clean with the
documented environment, and the settings read what it gives them."""

import json
import os
import secrets
import subprocess
import sys

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
    env = documented_env(SECURE_HSTS_PRELOAD="0", SECRET_KEY="short")
    completed = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert completed.returncode != 0
    assert "security.W021" in completed.stderr
    assert "security.W009" in completed.stderr


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
        "django.core.cache.backends.db.DatabaseCache",
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


def test_without_a_cache_url_production_shares_throttle_counts_through_the_database():
    env = documented_env()
    del env["CACHE_URL"]
    backend = read_settings(env, "settings.CACHES['default']['BACKEND']")
    assert backend == "django.core.cache.backends.db.DatabaseCache"
