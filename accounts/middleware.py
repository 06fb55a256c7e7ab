import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext

_STARTED = "portal_session_started"
_TOUCHED = "portal_session_touched"


class SessionLifetimeMiddleware:
    """Ends a logged-in session after 30 minutes idle and 12 hours after login, however
    active (SECURITY.md 4).

    The idle limit is the session's server-side expiry (SESSION_COOKIE_AGE from its last save).
    Saving the session on every request would write a row per page view
    (SESSION_SAVE_EVERY_REQUEST, PERFORMANCE.md); instead the expiry is pushed forward when it
    was last pushed more than SESSION_TOUCH_INTERVAL seconds ago, so a session ends between
    30 and 31 minutes after the last request, with one write a minute at most.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            moment = int(time.time())
            session = request.session
            started = session.get(_STARTED)
            if started is None:
                session[_STARTED] = moment
                session[_TOUCHED] = moment
            elif moment - started > settings.SESSION_ABSOLUTE_LIFETIME:
                logout(request)
            elif moment - session.get(_TOUCHED, 0) >= settings.SESSION_TOUCH_INTERVAL:
                session[_TOUCHED] = moment
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
                if user.password_must_change:
                    messages.warning(
                        request,
                        gettext(
                            "Your account has the initial password the congress office gave "
                            "you. Choose your own password to go on."
                        ),
                    )
                else:
                    messages.warning(
                        request,
                        gettext(
                            "Your password is more than %(days)d days old. Choose a new one to "
                            "go on."
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
