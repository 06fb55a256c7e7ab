"""Absolute addresses of the portal that leave it on paper or in feeds (QR codes on ballot
slips and bulletins, calendar links).

A printed link must open where the portal is served, so it comes from the configured public
address (``PORTAL_PUBLIC_BASE_URL``). Without one (development), the request's own scheme, host
and port are used, so a portal run on any port prints links that work; ``check --deploy``
refuses production settings without an https public address (``congress_portal.checks``).
"""

from urllib.parse import urlsplit

from django.conf import settings


def public_base_url(request=None) -> str:
    """The public address without a trailing slash, or ``""`` when neither the setting nor a
    request tells it."""
    base = (settings.PORTAL_PUBLIC_BASE_URL or "").strip().rstrip("/")
    if base:
        return base
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def public_url(path: str, *, request=None) -> str:
    """``path`` (from ``reverse``) as an absolute address residents can open."""
    return public_base_url(request) + path


def public_host(request=None) -> str:
    """The host (and port) of the public address, e.g. for calendar UIDs."""
    return urlsplit(public_base_url(request)).netloc
