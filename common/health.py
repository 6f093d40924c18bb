"""Probes for an orchestrator (docker-compose's health check, a load balancer).

- `/health/live/`: the process answers. Touches neither the database nor
  the cache, so a database outage does not get healthy workers restarted.
- `/health/ready/`: this instance can serve: the database answers and every
  migration is applied (503 otherwise). The cache is reported but does not
  decide: without Redis requests go on unthrottled (see config/settings.py),
  so taking the instance out of service would turn a degraded service into
  none. A read-only database is ready too: reads are served.

Plain Django views, so the API's throttles do not count them, and the
OpenAPI schema (API views only) does not list them."""

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views import View

logger = logging.getLogger(__name__)


class LiveView(View):
    http_method_names = ["get", "head"]

    def get(self, request):
        return JsonResponse({"status": "ok"})


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT current_setting('transaction_read_only')")
                return True, "read-only" if cursor.fetchone()[0] == "on" else "ok"
            cursor.execute("SELECT 1")
            return True, "ok"
    except DatabaseError as exc:
        logger.warning("Readiness: the database does not answer: %s", exc)
        return False, "unreachable"


def _migrations() -> tuple[bool, str | list[str]]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return False, [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    return True, "ok"


def _cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(key, 1, timeout=5)
        found = cache.get(key) == 1
        cache.delete(key)
    except Exception as exc:  # any backend's error means the same here
        logger.warning("Readiness: the cache does not answer: %s", exc)
        found = False
    return "ok" if found else "unreachable"


class ReadyView(View):
    http_method_names = ["get", "head"]

    def get(self, request):
        database_ok, database = _database()
        checks = {"database": database}
        ready = database_ok
        if database_ok:
            migrations_ok, checks["migrations"] = _migrations()
            ready = migrations_ok
        checks["cache"] = _cache()
        return JsonResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status=200 if ready else 503,
        )
