"""A database that is read-only, too slow or gone is answered 503, not 500.

A failover or maintenance can leave PostgreSQL read-only
(`default_transaction_read_only`), a lock or a runaway query can outlast the
statement timeout, and a restart drops every connection. None of these is a
bug in the request, and a client can retry: each gets a JSON 503 with
`Retry-After` that says which it was. Other database errors (a deadlock, a
broken rule) are left to the views and to common.api.exceptions."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse

logger = logging.getLogger(__name__)

READ_ONLY = (
    "The database is read-only for now (maintenance or a failover): reads work, "
    "writes are refused. Retry later."
)
TIMED_OUT = (
    "The database did not answer within the time allowed. Retry later, or ask for less at once."
)
UNREACHABLE = "The database cannot be reached. Retry later."

#: SQLSTATE classes and codes that mean the database, not the request, is at fault.
_READ_ONLY_STATES = {"25006"}  # read_only_sql_transaction
_TIMEOUT_STATES = {"57014"}  # query_canceled: statement_timeout
_UNREACHABLE_CLASSES = {"08", "57"}  # connection exceptions, operator intervention


def unavailable_reason(exc: BaseException) -> str | None:
    """Why the database could not serve the request, or None if `exc` is not that."""
    if not isinstance(exc, DatabaseError):
        return None
    cause = exc.__cause__
    if cause is None or not type(cause).__module__.startswith("psycopg"):
        return None  # SQLite's errors are the request's own (a locked file aside)
    state = getattr(cause, "sqlstate", None)
    if state in _READ_ONLY_STATES:
        return READ_ONLY
    if state in _TIMEOUT_STATES:
        return TIMED_OUT
    if isinstance(exc, OperationalError | InterfaceError) and (
        state is None or state[:2] in _UNREACHABLE_CLASSES
    ):
        # No SQLSTATE: libpq could not connect, or the connection broke.
        return UNREACHABLE
    return None


class DatabaseUnavailableMiddleware:
    """Turns an unavailable database, wherever a view met it (the API, the
    admin, the token endpoint), into a JSON 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exc):
        reason = unavailable_reason(exc)
        if reason is None:
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exc)
        return JsonResponse({"detail": reason}, status=503, headers={"Retry-After": "30"})
