"""Error pages rendered in the portal's own layout, in the visitor's language."""

import sys

from django.db import InterfaceError, OperationalError
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from .middleware import _looks_like_outage


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # Rendered without the request context processors' database work: the database may be
    # the reason we are here. An outage met outside a view (a middleware reading the session)
    # never reaches DatabaseUnavailableMiddleware, so it is recognised here: Django calls this
    # handler while the exception is being handled.
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError) and _looks_like_outage(exception):
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "500.html", status=500)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)
