import logging

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import QueryDict
from django.shortcuts import render
from django.utils.cache import patch_cache_control

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """The database gone for a moment: a friendly 503 instead of a 500 (SECURITY.md 25).

    Any transaction of the failed request was rolled back by ``atomic``; the broken connection
    is closed so that the next request reconnects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if isinstance(exception, DatabaseError) and not _looks_like_outage(exception):
            return None
        logger.warning("database unavailable: %s", exception)
        try:
            connection.close()
        except DatabaseError:
            pass
        # Rendered now: an outage met while the view's own template rendered (a form reading
        # its choices) comes here after Django's last chance to render a deferred response.
        # The page extends error_standalone.html, which needs nothing from the database.
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response


def _looks_like_outage(exception):
    text = str(exception).lower()
    return any(
        marker in text
        for marker in (
            "connection",
            "server closed",
            "could not connect",
            "terminating",
            "database is locked",
            "unable to open",
            "timeout",
            "shut down",
        )
    )


class ChineseFirstMiddleware:
    """Pages are in Chinese unless the visitor chose English with the language switch.

    A phone or browser set to English (common on second-hand and work phones) must not turn
    the portal English by itself: residents and staff expect the same Chinese pages, and the
    switch's cookie is the one way to English. So the Accept-Language header is ignored.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class QueryStringNulMiddleware:
    """Query-string values lose their NUL characters before any view sees them.

    PostgreSQL refuses NUL in text and JSON, so a filter such as ``?overdue=on%00`` that a page
    echoes into a link or the audit log stores (a ledger's filters) broke the request with a 500.
    Forms already refuse NUL in what they save (Django's ProhibitNullCharactersValidator); the
    query string is cleaned here once, for every page, and ``QUERY_STRING`` rewritten to match so
    that ``get_full_path()`` and ``next`` links carry the clean values too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = request.META.get("QUERY_STRING", "")
        if "%00" in raw or "\x00" in raw:
            clean = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                clean.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            clean._mutable = False
            request.GET = clean
            request.META["QUERY_STRING"] = clean.urlencode()
        return self.get_response(request)


class PersonalDataNoStoreMiddleware:
    """Pages with personal data are never stored by a browser or a proxy (SECURITY.md 10):
    every response to a signed-in user, and the tracking pages a resident opens with their code,
    carry ``Cache-Control: no-store, private`` unless the view set its own."""

    PUBLIC_PERSONAL_PREFIXES = ("/track/", "/meetings/vote/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith(self.PUBLIC_PERSONAL_PREFIXES):
            patch_cache_control(response, no_store=True, private=True)
        return response
