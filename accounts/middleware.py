import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

_STARTED = "portal_session_started"


class SessionLifetimeMiddleware:
    """Ends a logged-in session 12 hours after login, however active (SECURITY.md 4).

    The 30-minute idle limit is the rolling SESSION_COOKIE_AGE; this is the absolute one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(_STARTED)
            if started is None:
                request.session[_STARTED] = int(time.time())
            elif time.time() - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
        return self.get_response(request)


class PasswordRotationMiddleware:
    """A staff member whose password is older than PASSWORD_MAX_AGE_DAYS can only change it
    (or log out) until they do (SECURITY.md 2, 等保 level 3)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.password_expired:
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            path = request.path
            if path not in allowed and not path.startswith(
                (settings.STATIC_URL or "/static/", "/i18n/")
            ):
                messages.warning(
                    request,
                    gettext(
                        "Your password is more than %(days)d days old. Choose a new one to go on."
                    )
                    % {"days": settings.PASSWORD_MAX_AGE_DAYS},
                )
                return redirect("accounts:password_change")
        return self.get_response(request)


def needs_second_factor(user) -> bool:
    return settings.PORTAL_OFFICE_OTP and (user.is_office or user.is_staff or user.is_superuser)


class SecondFactorMiddleware:
    """Office and admin accounts confirm the login with a TOTP code before any page
    (SECURITY.md 5). Runs after django-otp's OTPMiddleware, which sets ``is_verified``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and needs_second_factor(user) and not user.is_verified():
            allowed = {reverse("accounts:second_factor"), reverse("accounts:logout")}
            path = request.path
            if path not in allowed and not path.startswith(
                (settings.STATIC_URL or "/static/", "/i18n/")
            ):
                return redirect(f"{reverse('accounts:second_factor')}?{urlencode({'next': path})}")
        return self.get_response(request)
