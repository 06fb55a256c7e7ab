"""Error pages rendered in the portal's own layout, in the visitor's language."""

from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # Rendered without the request context processors' database work: the database may be
    # the reason we are here.
    return render(request, "500.html", status=500)


@requires_csrf_token
def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)
