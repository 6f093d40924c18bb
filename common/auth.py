"""Login lock-out (django-axes): who the client is, and what a locked-out
client is told. The settings that use these are under "logins" in
config/settings.py."""

from axes.helpers import get_cool_off
from django.contrib import admin
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle


def client_ip(request) -> str:
    """The client's address, as the API's throttles count it: X-Forwarded-For
    only through the NUM_PROXIES proxies in front of the app, else REMOTE_ADDR."""
    return BaseThrottle().get_ident(request)


def lockout_response(request, original_response=None, credentials=None):
    """429 with Retry-After: JSON under /api/ (tools read it), the admin's
    look everywhere else (people read it)."""
    seconds = int(get_cool_off(request).total_seconds())
    minutes = max(1, round(seconds / 60))
    message = (
        "Too many failed logins from this address or for this username. Logins are "
        f"refused for {minutes} minutes after the last failed one."
    )
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        context = {**admin.site.each_context(request), "title": "Locked out", "message": message}
        response = render(request, "registration/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
