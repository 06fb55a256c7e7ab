"""Writes of the second factor: enrolment tokens, enrolment, recovery codes and resets.

An office or admin account binds its authenticator app only with a one-time enrolment token
issued out of band (another office account on ``accounts:enrolment``, or
``manage.py issue_enrolment_token``): the password alone no longer lets whoever holds it set up
the second factor (issue 13). Enrolling creates ten recovery codes (django-otp's static
plugin), each good for one login when the phone is lost.
"""

import datetime
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from congress_portal.clock import now

from .models import AuditEvent, EnrolmentToken, Role
from .services import audit_record

TOKEN_LIFETIME = datetime.timedelta(hours=72)
RECOVERY_CODES = 10
# Letters and digits that cannot be mistaken for one another when read aloud or copied by
# hand (no 0/O, 1/I/L). 20 of them carry about 99 bits: nobody guesses one in 72 hours.
TOKEN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 — an alphabet, not a secret
TOKEN_LENGTH = 20
TOKEN_GROUP = 4


def requires_second_factor(user) -> bool:
    """The accounts that confirm logins with a second factor (whatever PORTAL_OFFICE_OTP says:
    tokens can be issued before the switch is turned on)."""
    return user.is_active and (user.role == Role.OFFICE or user.is_staff or user.is_superuser)


def normalise_token(raw: str) -> str:
    """What the person typed, without spaces, dashes and case."""
    return "".join(ch for ch in (raw or "").upper() if ch.isascii() and ch.isalnum())


def hash_token(raw: str) -> str:
    # The token carries ~99 random bits, so a plain SHA-256 is enough (no salt, no stretching):
    # it can be looked up by its hash, and the table alone gives nobody a usable token.
    return hashlib.sha256(normalise_token(raw).encode()).hexdigest()


def _new_token_text() -> str:
    chars = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))
    return "-".join(chars[i : i + TOKEN_GROUP] for i in range(0, TOKEN_LENGTH, TOKEN_GROUP))


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_tokens():
    return EnrolmentToken.objects.filter(used_at__isnull=True, expires_at__gt=now())


def _check_may_manage(*, user, actor) -> None:
    """The rules every office action on someone's second factor shares."""
    if not requires_second_factor(user):
        raise ValidationError(
            gettext("Only active office and administrator accounts use a second factor.")
        )
    if getattr(actor, "pk", None) is not None:
        if actor.pk == user.pk:
            raise ValidationError(
                gettext("You cannot do this for your own account: ask another office account.")
            )
        if user.is_superuser and not actor.is_superuser:
            raise ValidationError(gettext("Only a superuser can do this for a superuser account."))


def enrolment_token_issue(
    *, user, actor=None, request: HttpRequest | None = None, via: str
) -> tuple[EnrolmentToken, str]:
    """Issue a one-time enrolment token for ``user``; returns the row and the token text,
    which is never stored and must be shown once. Earlier pending tokens of ``user`` end."""
    _check_may_manage(user=user, actor=actor)
    if has_confirmed_device(user):
        raise ValidationError(
            gettext(
                "%(user)s already has an authenticator app. Reset the second factor first if "
                "the phone is lost."
            )
            % {"user": user.get_username()}
        )
    text = _new_token_text()
    moment = now()
    with transaction.atomic():
        replaced = pending_tokens().filter(user=user).delete()[0]
        token = EnrolmentToken(
            user=user,
            token_hash=hash_token(text),
            issued_by=actor if getattr(actor, "pk", None) is not None else None,
            created_at=moment,
            expires_at=moment + TOKEN_LIFETIME,
        )
        token.full_clean()
        token.save()
        audit_record(
            action="otp.token_issued",
            actor=actor,
            request=request,
            obj=user,
            detail={
                "token": token.pk,
                "via": via,
                "expires_at": token.expires_at.isoformat(),
                "replaced": replaced,
            },
        )
    return token, text


def enrolment_token_revoke(*, token: EnrolmentToken, actor, request: HttpRequest | None = None):
    """End a pending token before it is used (handed to the wrong person, no longer needed)."""
    with transaction.atomic():
        deleted = pending_tokens().filter(pk=token.pk).delete()[0]
        if deleted:
            audit_record(
                action="otp.token_revoked",
                actor=actor,
                request=request,
                obj=token.user,
                detail={"token": token.pk},
            )
    return bool(deleted)


def enrolment_token_find(*, user, raw: str) -> EnrolmentToken | None:
    """The pending token of ``user`` the text names, or None (wrong, expired, used, or
    somebody else's: one answer for all)."""
    if not normalise_token(raw):
        return None
    return pending_tokens().filter(user=user, token_hash=hash_token(raw)).first()


def enrolment_device(*, user) -> TOTPDevice:
    """A fresh unconfirmed TOTP device for the person who just gave a valid token.

    Unconfirmed devices left from before (the old first-login set-up showed their keys to
    whoever logged in) are deleted: the key shown now is new and seen by this session only.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(
            user=user, name=gettext("Authenticator app"), confirmed=False
        )


def second_factor_enrol(
    *, user, token_id: int, device: TOTPDevice, request: HttpRequest | None = None
) -> list[str] | None:
    """Confirm ``device`` (its first code was right) with the enrolment token, which ends
    here; returns the new recovery codes, or None if the token was used or expired meanwhile."""
    moment = now()
    with transaction.atomic():
        # The conditional update is the single-use guarantee, also for two tabs at once.
        spent = pending_tokens().filter(pk=token_id, user=user).update(used_at=moment)
        if not spent:
            return None
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _recovery_codes_replace(user=user)
        audit_record(
            action="otp.enrolled",
            actor=user,
            request=request,
            obj=user,
            detail={"token": token_id, "recovery_codes": len(codes)},
        )
    return codes


def recovery_codes_renew(
    *, user, device: TOTPDevice, code: str, request: HttpRequest | None = None
) -> list[str] | None:
    """New recovery codes for ``user``'s own second factor, given the app's current code;
    the old codes stop working. Returns the codes (to be shown once), or None for a wrong code
    (audited as a failure; django-otp's throttle slows guessing)."""
    if device.user_id != user.pk or not device.confirmed:
        raise ValidationError(gettext("Set up your authenticator app first."))
    if not device.verify_token(code):
        audit_record(
            action="otp.failed",
            actor=user,
            request=request,
            obj=user,
            outcome=AuditEvent.Outcome.FAILURE,
            detail={"for": "recovery_codes"},
        )
        return None
    with transaction.atomic():
        replaced = StaticToken.objects.filter(device__user=user).count()
        codes = _recovery_codes_replace(user=user)
        audit_record(
            action="otp.recovery_renewed",
            actor=user,
            request=request,
            obj=user,
            detail={"recovery_codes": len(codes), "replaced": replaced},
        )
    return codes


def _recovery_codes_replace(*, user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=gettext("Recovery codes"), confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def normalise_recovery_code(raw: str) -> str:
    return normalise_token(raw).lower()


def recovery_code_use(
    *, user, raw: str, request: HttpRequest | None = None
) -> tuple[StaticDevice, int] | None:
    """Log-in check with a recovery code: on success the code is gone for good; returns the
    device and how many codes remain, or None (wrong, used, or too many tries)."""
    code = normalise_recovery_code(raw)
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None or not code:
        return None
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return None
    # A DELETE that removes the row is the single use, also for two logins at once
    # (StaticDevice.verify_token reads, then deletes).
    deleted = StaticToken.objects.filter(device=device, token=code).delete()[0]
    if not deleted:
        device.throttle_increment()
        return None
    device.throttle_reset(commit=False)
    device.set_last_used_timestamp(commit=False)
    device.save()
    remaining = device.token_set.count()
    audit_record(
        action="otp.recovery_used",
        actor=user,
        request=request,
        obj=user,
        detail={"remaining": remaining},
    )
    return device, remaining


def second_factor_reset(*, user, actor=None, request: HttpRequest | None = None, via: str) -> int:
    """Remove the authenticator app, the recovery codes and pending tokens of ``user`` (a
    lost phone); the next login needs a new enrolment token. Returns the devices removed."""
    _check_may_manage(user=user, actor=actor)
    with transaction.atomic():
        totp = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
        static = StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
        tokens = pending_tokens().filter(user=user).delete()[0]
        audit_record(
            action="otp.reset",
            actor=actor,
            request=request,
            obj=user,
            detail={"via": via, "totp_devices": totp, "recovery_devices": static, "tokens": tokens},
        )
    return totp + static
