"""Login lock-out (django-axes): who the client is, and what a locked-out
client is told. The settings that use these are under "logins" in
config/settings.py."""

import ipaddress

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from common.api.exceptions import API_PATH_PREFIX


def client_ip(request) -> str:
    """The client's address, as the API's throttles count it: X-Forwarded-For
    only through the NUM_PROXIES proxies in front of the app, else REMOTE_ADDR
    (also when the header holds no address: axes stores it in an address column)."""
    address = BaseThrottle().get_ident(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return request.META.get("REMOTE_ADDR")
    return address


def client_username(request, credentials=None) -> str | None:
    """The username a login tried, as axes counts it: cut to the length of
    its column (a longer one names no user anyway), so that an overlong one
    is refused like any other, not a database error."""
    if credentials:
        username = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        username = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(username, str):
        return username
    return username[: AccessAttempt._meta.get_field("username").max_length]


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON under /api/ (tools read it), the admin's
    look everywhere else (people read it)."""
    seconds = int(get_cool_off(request).total_seconds())
    minutes = max(1, round(seconds / 60))
    message = (
        "Too many failed logins from this address or for this username. Logins are "
        f"refused for {minutes} minutes after the last failed one."
    )
    if request.path_info.startswith(API_PATH_PREFIX):
        response = JsonResponse({"detail": message}, status=429)
    else:
        context = {**admin.site.each_context(request), "title": "Locked out", "message": message}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
