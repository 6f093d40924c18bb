"""API tokens (django-rest-knox): log in for a token, log it out, log out all.

Tokens are stored as digests, expire after `TOKEN_TTL_HOURS` and are sent as
`Authorization: Token <key>`. The login is throttled (`LOGIN_THROTTLE_RATE`)
and, like every login, locked out by django-axes after repeated failures."""

from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.utils import extend_schema, inline_serializer
from knox import views as knox_views
from rest_framework import serializers
from rest_framework.permissions import AllowAny

from .throttling import LoginThrottle


def _username_length() -> int:
    model = get_user_model()
    return model._meta.get_field(model.USERNAME_FIELD).max_length


class LoginSerializer(serializers.Serializer):
    # No longer than a username can be: axes records the failed ones.
    username = serializers.CharField(write_only=True, max_length=_username_length())
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        # The Django request, not DRF's wrapper: axes marks a locked-out client on
        # it, and its middleware turns that mark into the 429.
        request = self.context["request"]._request
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(
                "Unable to log in with the username and password given.", code="authorization"
            )
        return {"user": user}


TOKEN_RESPONSE = inline_serializer(
    "Token",
    {
        "token": serializers.CharField(help_text="Send it as `Authorization: Token <token>`."),
        "expiry": serializers.DateTimeField(help_text="When the token stops working."),
    },
)


class ObtainTokenView(knox_views.LoginView):
    """`POST /api/auth/token/` with a username and password: a new token,
    valid `TOKEN_TTL_HOURS` (10 by default). Each login gets its own token.
    After `AXES_FAILURE_LIMIT` failed logins (5 by default) from one address or
    for one username, on any login page, logins from that address and for that
    username are refused with 429 until `AXES_COOLOFF_TIME` (1 hour by default)
    has passed since the last failure."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    def get_serializer(self, *args, **kwargs):
        # Also gives the browsable API its login form.
        return LoginSerializer(*args, context={"request": self.request}, **kwargs)

    @extend_schema(
        summary="Exchange a username and password for a token",
        request=LoginSerializer,
        responses={200: TOKEN_RESPONSE},
    )
    def post(self, request, format=None):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        return super().post(request, format)


class LogoutView(knox_views.LogoutView):
    """Revoke the token this request is sent with."""

    @extend_schema(summary="Revoke this token", request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of the user this request's token belongs to."""

    @extend_schema(summary="Revoke all of this user's tokens", request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)
