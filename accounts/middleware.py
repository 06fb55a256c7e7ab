import time

from django.conf import settings
from django.contrib.auth import logout

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
