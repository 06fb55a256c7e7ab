"""Error pages rendered in the portal's own layout, in the visitor's language."""

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token

from .middleware import _looks_like_outage

logger = logging.getLogger(__name__)

# At most this many refusals of one client are written to the audit log per minute, so that a
# probe cannot flood it; the rest are counted in the server log only.
REFUSALS_PER_MINUTE = 10


def record_refusal(request, status: int) -> None:
    """An authorisation failure in the audit log (SECURITY.md 13): every 403, and every 404 a
    signed-in user meets — the portal answers 404 for what is outside a user's scope, so an
    out-of-scope request is a 404 to its user and a refusal here. Rate-limited per client."""
    from accounts.models import AuditEvent
    from accounts.services import audit_record

    from .ratelimit import hit

    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    path = request.path
    if status == 404 and not signed_in:
        return
    if path.startswith((settings.STATIC_URL or "/static/", settings.MEDIA_URL or "/media/")):
        return
    try:
        if not hit(request, "audit-refusal", limit=REFUSALS_PER_MINUTE, window=60):
            logger.info("refusal not audited (rate limit): %s %s", status, path)
            return
        audit_record(
            action="access.refused",
            actor=user if signed_in else None,
            request=request,
            outcome=AuditEvent.Outcome.DENIED,
            object_type="path",
            # object_id holds 50 characters: PostgreSQL refused more (a DataError that broke
            # the surrounding transaction, e.g. a 404 on /ledgers/exports/<uuid>/).
            object_id=path[:50],
            detail={"status": status, "method": request.method},
        )
    except (DatabaseError, AttributeError):  # the refusal itself must still be answered
        logger.warning("refusal not audited (database): %s %s", status, path)


@requires_csrf_token
def page_not_found(request, exception=None):
    record_refusal(request, 404)
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
    record_refusal(request, 403)
    return render(request, "403.html", status=403)


@requires_csrf_token
def bad_request(request, exception=None):
    return render(request, "400.html", status=400)
