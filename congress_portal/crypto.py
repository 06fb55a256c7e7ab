"""Encryption at rest of residents' personal data (等保 2.0 level 3, PIPL, GB/T 35273).

Residents' names, phones and addresses are stored as Fernet tokens (AES-128-CBC with an
HMAC-SHA256 tag, from the ``cryptography`` package) through ``EncryptedTextField``; the keys
come from ``settings.FIELD_ENCRYPTION_KEYS``, newest first, through a ``MultiFernet``, so a new
key can be put in front while the old ones still decrypt, and ``rotate_field_keys``
re-encrypts every row with the newest one.

Why a small field of our own rather than django-fernet-encrypted-fields: that package derives
its keys from ``SECRET_KEY`` (rotating the signing key would make the data unreadable, and one
secret would guard both), and its rotation does not re-encrypt the rows. Here the keys are
their own settings and rotation is a command.

A ciphertext is random, so the database cannot compare it: an encrypted column supports only
``= ''`` and ``IS NULL`` lookups (anything else is a ``FieldError``). An exact match on a phone
goes through a keyed digest instead (``phone_digest``, HMAC-SHA256 under
``settings.FIELD_HASH_KEY`` of the normalised number), which ``PhoneDigestField`` keeps beside
the encrypted column.
"""

import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import validators
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models.lookups import Exact, IsNull

from .masking import normalise_phone

MISSING_KEYS = "FIELD_ENCRYPTION_KEYS must be set when DEBUG is off."
MISSING_HASH_KEY = "FIELD_HASH_KEY must be set when DEBUG is off."


class DecryptionError(Exception):
    """A stored value none of the configured keys opens (a key dropped too early)."""


@functools.lru_cache(maxsize=8)
def _multi_fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(MISSING_KEYS)
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


def field_keys() -> tuple[str, ...]:
    return tuple(key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip())


def fernet() -> MultiFernet:
    """The MultiFernet of the configured keys, built once per set of keys."""
    return _multi_fernet(field_keys())


def newest_fernet() -> Fernet:
    """The newest key alone: a token it opens needs no rotation."""
    return _newest(field_keys())


@functools.lru_cache(maxsize=8)
def _newest(keys: tuple[str, ...]) -> Fernet:
    _multi_fernet(keys)  # the same clear errors
    return Fernet(keys[0])


def encrypt(text: str) -> str:
    """The token of ``text``; the empty string stays empty (nothing to hide, and erasure and
    "has no phone" stay plain comparisons)."""
    if not text:
        return ""
    return fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise DecryptionError(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: was a key removed "
            "before rotate_field_keys had run?"
        ) from error


def rotate(token: str) -> str | None:
    """The token re-encrypted with the newest key, or None when it already is."""
    if not token:
        return None
    raw = token.encode("ascii")
    try:
        newest_fernet().decrypt(raw)
        return None
    except InvalidToken:
        pass
    try:
        return fernet().rotate(raw).decode("ascii")
    except InvalidToken as error:
        raise DecryptionError(
            "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS."
        ) from error


def _hash_key() -> bytes:
    key = settings.FIELD_HASH_KEY
    if not key:
        raise ImproperlyConfigured(MISSING_HASH_KEY)
    return key.encode()


def phone_digest(phone: str) -> str:
    """HMAC-SHA256 of the normalised number (hex): equal for ``+86 138-0013-8000`` and
    ``13800138000``, useless without ``FIELD_HASH_KEY``; empty for no phone."""
    digits = normalise_phone(phone)
    if not digits:
        return ""
    return hmac.new(_hash_key(), digits.encode(), hashlib.sha256).hexdigest()


class _EmptyOnlyExact(Exact):
    """``field=''`` works (no value); ``field='13800138000'`` would compare a fresh random
    ciphertext and silently match nothing, so it is refused."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None) and not hasattr(self.rhs, "resolve_expression"):
            raise TypeError(
                f"{self.lhs.target.name} is encrypted: match it through its digest, not its value."
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """Text stored encrypted (a Fernet token in a text column), plain text in Python.

    ``max_length`` limits the plain text, as on a CharField (the token is longer)."""

    description = "Text encrypted at rest"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None


class PhoneDigestField(models.CharField):
    """The keyed digest of another field's phone number, computed whenever the row is saved
    with it (``save()``, ``create()``, ``bulk_create()``; an ``update_fields`` save must name
    both). Writers that bypass the ORM (COPY in ``generate_scale``) call ``phone_digest``."""

    def __init__(self, *args, source: str, **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = phone_digest(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
