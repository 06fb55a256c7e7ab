"""Start-up checks of the portal's own settings."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from . import crypto

MISSING_KEY = "SECRET_KEY must be set when DEBUG is off."
MISSING_BACKUP_KEY = "BACKUP_ENCRYPTION_KEY must be set when DEBUG is off."


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
    problems = encryption_problems()
    if problems:
        raise ImproperlyConfigured(problems[0][0])


def encryption_problems() -> list[tuple[str, str]]:
    """(message, check id) of each missing or malformed encryption key: residents' data cannot
    be written without the field keys, matched without the hash key, backed up without the
    backup key."""
    problems = []
    try:
        crypto.fernet()
    except ImproperlyConfigured as error:
        problems.append((str(error), "portal.E002"))
    if not settings.FIELD_HASH_KEY:
        problems.append((crypto.MISSING_HASH_KEY, "portal.E003"))
    from .backups import BackupError, backup_key

    try:
        backup_key()
    except BackupError as error:
        problems.append((str(error), "portal.E004"))
    return problems


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
                id="portal.E005",
            )
        ]
    return []


@register(deploy=True)
def encryption_keys_check(app_configs, **kwargs):
    return [
        Error(
            message,
            hint="Set FIELD_ENCRYPTION_KEYS, FIELD_HASH_KEY and BACKUP_ENCRYPTION_KEY "
            "(README: 'Keys for residents' data').",
            id=check_id,
        )
        for message, check_id in encryption_problems()
    ]
