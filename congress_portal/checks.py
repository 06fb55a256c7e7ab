"""Start-up checks of the portal's own settings."""

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
