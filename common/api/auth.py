from rest_framework.authtoken.views import ObtainAuthToken

from .throttling import LoginThrottle


class ObtainTokenView(ObtainAuthToken):
    """`POST /api/auth/token/` with a username and password: the user's token.

    DRF's own view is not throttled at all; this one is (`LOGIN_THROTTLE_RATE`)."""

    throttle_classes = [LoginThrottle]
