"""Every error the API returns is JSON: `{"field": ["message", ...]}` for
invalid input, `{"detail": "..."}` otherwise. Nothing reaches a 500 page
because a model rule or a database constraint said no; and a bug that does
reach one is answered in JSON under /api/ too (`server_error`)."""

import logging
from itertools import islice

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from common.concurrency import ConcurrentChange

from .fields import PartialDateField

logger = logging.getLogger(__name__)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "This record changed since you read it (its ETag no longer matches If-Match). "
        "Fetch it again, reapply your change and retry."
    )
    default_code = "precondition_failed"


class RecordMerged(exceptions.APIException):
    """The record asked for was merged into another: 308 to the survivor,
    so a client repeats the same request (a write too) at its new URL."""

    status_code = status.HTTP_308_PERMANENT_REDIRECT
    default_code = "merged"

    def __init__(self, location):
        self.location = location
        super().__init__(f"This record was merged into {location}.")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the data."
    default_code = "conflict"


def _protected_detail(exc):
    objects = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    shown = sorted(str(obj) for obj in islice(objects, 10))
    more = f" and {len(objects) - len(shown)} more" if len(objects) > len(shown) else ""
    return {
        "detail": (
            f"This record is still referred to, so it cannot be deleted: {'; '.join(shown)}{more}."
        ),
        "blocking": shown,
    }


# PostgreSQL's serialization_failure and deadlock_detected: the transaction
# was rolled back because of another one, and may succeed if retried.
LOST_RACE_SQLSTATES = {"40001", "40P01"}


def _lost_race(exc) -> bool:
    return getattr(exc.__cause__, "sqlstate", None) in LOST_RACE_SQLSTATES


def model_errors_to_api(exc: DjangoValidationError, serializer=None) -> exceptions.ValidationError:
    """A model's ValidationError as a DRF one, keyed by the API's field names
    (those of `serializer`, where there is one).

    A partial date is one API field for two model fields, so an error on the
    precision is reported on the date; `__all__` becomes `non_field_errors`.
    """
    if serializer is None:
        return exceptions.ValidationError(detail=as_serializer_error(exc))
    renames = {}
    for name, field in serializer.fields.items():
        if isinstance(field, PartialDateField):
            renames[field.date_field] = name
            renames[field.precision_field] = name
        elif field.source and field.source != "*" and field.source != name:
            renames[field.source] = name
    renames["__all__"] = api_settings.NON_FIELD_ERRORS_KEY
    if not hasattr(exc, "error_dict"):
        return exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
    detail = {}
    for key, errors in exc.message_dict.items():
        detail.setdefault(renames.get(key, key), []).extend(errors)
    return exceptions.ValidationError(detail)


def _view_serializer(context):
    """A serializer of the view that failed: a model rule broken in a write
    (serializer, service or model) is reported under the field names the
    client sent. None for views without one."""
    view = context.get("view")
    if not isinstance(view, GenericAPIView) or view.serializer_class is None:
        return None
    return view.get_serializer()


def api_exception_handler(exc, context):
    # ConcurrentChange is a ValidationError too: checked first.
    if isinstance(exc, ConcurrentChange):
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        # The one place model errors become API errors: serializers and
        # services raise Django's ValidationError and leave this to the handler.
        exc = model_errors_to_api(exc, _view_serializer(context))
    elif isinstance(exc, ProtectedError | RestrictedError):
        return Response(_protected_detail(exc), status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, OperationalError) and _lost_race(exc):
        # Writes lock in one order (see TransferQuerySet.lock), so this should
        # not happen; if two writes still collide, the one PostgreSQL undid
        # is a conflict to retry, not a server error.
        logger.warning("Lost race turned into 409: %s", exc)
        exc = Conflict(
            "This write collided with another one made at the same moment and was undone; "
            "nothing changed. Retry it."
        )
    elif isinstance(exc, IntegrityError):
        # full_clean() checks every rule first, so this is a race with another
        # write (e.g. two clients taking the same slug at once).
        logger.warning("IntegrityError turned into 409: %s", exc)
        exc = Conflict(
            "The change conflicts with data written at the same time "
            "(a duplicate or a broken rule). Fetch the record again and retry."
        )
    response = drf_exception_handler(exc, context)
    if isinstance(exc, RecordMerged) and response is not None:
        response["Location"] = exc.location
    return response


API_PATH_PREFIX = "/api/"


def server_error(request, *args, **kwargs):
    """The 500 response (Django's `handler500`): JSON under /api/, as every
    other API error, and Django's page elsewhere.

    Django still logs the exception and sends `got_request_exception` before
    it asks for this response; nothing of the exception is shown."""
    if request.path_info.startswith(API_PATH_PREFIX):
        return JsonResponse(
            {"detail": "Server error: the request failed on our side and was logged."},
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request, *args, **kwargs)
