"""The client's address, the one answer for audit, rate limits and login lockouts.

Behind ``PROXY_COUNT`` reverse proxies, each proxy appends the address it received the request
from to ``X-Forwarded-For``; the client is the ``PROXY_COUNT``-th entry from the right, and
anything further left was written by the client itself and is not trusted. With no proxy the
header is ignored altogether. Written here rather than with django-ipware: its ``proxy_count``
counts proxies listed in the header (a single nginx lists none), and without it, it trusts the
left-most, client-written entry.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    """The address of the client that sent ``request``, or None when it cannot be known."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or ""
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        address = forwarded[-count] if len(forwarded) >= count else ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
