"""Signing in: the client address for login throttling, and the password reset's last step.

Login throttling is django-axes (settings ``AXES_*``, ``docs/operations.md``): it counts failed
logins per user name and client address and answers with :func:`lockout_response`.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or behind ``IKOE_PROXY_COUNT`` reverse proxies
    the one the outermost of them put into X-Forwarded-For (earlier entries can be forged).

    >>> from django.test import RequestFactory, override_settings
    >>> request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2",
    ...                                HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7")
    >>> client_ip(request)
    '10.0.0.2'
    >>> with override_settings(PROXY_COUNT=1):
    ...     client_ip(request)
    '192.0.2.7'
    """
    count = getattr(settings, "PROXY_COUNT", 0)
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return str(request.META.get("REMOTE_ADDR", ""))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """The page for a locked-out login (429), in the user's language, with the pause in minutes."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view; a new password also lifts a lockout of the account's user name."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        reset(username=form.user.get_username())
        return response
