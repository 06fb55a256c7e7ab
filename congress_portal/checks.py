"""Start-up checks of the portal's own settings."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

MISSING_KEY = "SECRET_KEY must be set when DEBUG is off."


def _key_missing() -> bool:
    if settings.DEBUG:
        return False
    try:
        return not settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty key
        return True


def require_secret_key() -> None:
    """Refuse to serve without a key in production (wsgi.py and asgi.py, so gunicorn and
    runserver alike). Commands such as makemigrations still work without one."""
    if _key_missing():
        raise ImproperlyConfigured(MISSING_KEY)


@register(deploy=True)
def secret_key_check(app_configs, **kwargs):
    if _key_missing():
        return [Error(MISSING_KEY, hint="Set SECRET_KEY in the environment.", id="portal.E001")]
    return []


PUBLIC_URL_MISSING = (
    "PORTAL_PUBLIC_BASE_URL must be the portal's public https address when DEBUG is off: "
    "ballot slips, bulletins and calendar feeds print links and QR codes from it."
)


@register(deploy=True)
def public_base_url_check(app_configs, **kwargs):
    """Printed links must open where the portal is served: in production the public address
    is configured and secure, never guessed from a request's Host header."""
    if settings.DEBUG:
        return []
    base = (getattr(settings, "PORTAL_PUBLIC_BASE_URL", "") or "").strip()
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.netloc:
        return [
            Error(
                PUBLIC_URL_MISSING,
                hint="Set PORTAL_PUBLIC_BASE_URL, e.g. https://rd.example.gov.cn.",
                id="portal.E002",
            )
        ]
    return []
