"""What a write raises when it lost a race with another write."""

from django.core.exceptions import ValidationError


class ConcurrentChange(ValidationError):
    """A record this write depends on was changed, merged or deleted by
    another write that committed first. A ValidationError, so forms and the
    admin show its message; the API answers it with 409 Conflict."""
