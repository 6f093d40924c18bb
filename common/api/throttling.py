"""Rate limits for API clients: `anon` per client address, `user` per account.

DRF's own classes read their rates once, when imported; these read them on
every request, so a rate set for one test (or changed in settings) applies.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class CurrentRateMixin:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(CurrentRateMixin, AnonRateThrottle):
    """Anonymous clients, counted by address (`X-Forwarded-For` is trusted only
    for the `NUM_PROXIES` proxies in front of the app)."""


class UserThrottle(CurrentRateMixin, UserRateThrottle):
    """Authenticated clients (token or session), counted per account."""


class LoginThrottle(CurrentRateMixin, SimpleRateThrottle):
    """Attempts to exchange a password for a token, per client address, so
    passwords cannot be guessed at full speed."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
