"""Writes of the accounts app: the audit log, and the staff accounts the office manages."""

import datetime
import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from congress_portal.clients import client_ip
from congress_portal.masking import normalise_phone

from .models import AuditEvent, Role, User


def audit_record(
    *,
    action: str,
    actor=None,
    request: HttpRequest | None = None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    outcome: str = AuditEvent.Outcome.SUCCESS,
    detail: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``detail`` must never carry passwords, full phones or codes.
    ``ip`` names the client when there is no request (a background task acting for one)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_is_user = actor is not None and getattr(actor, "pk", None) is not None
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor_is_user else None,
        actor_label=str(actor) if actor is not None else "",
        actor_role=getattr(actor, "role", "") if actor_is_user else "",
        ip_address=ip or client_ip(request),
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        detail=detail or {},
    )


def user_sync_office_group(*, user) -> None:
    """Keep ``user`` in the office permission group exactly while it is an active office
    account (and give an office account ``is_staff``: the admin admits staff only).

    Called wherever an account is made or its role changes (the admin, the demo data, the
    office's account pages); not a signal, so that a role change is one visible step.
    """
    from django.contrib.auth.models import Group

    from .models import Role
    from .office import OFFICE_GROUP_NAME, office_group_sync

    group = Group.objects.filter(name=OFFICE_GROUP_NAME).first()
    if group is None:
        # A database migrated before the group existed, or its group deleted by hand.
        group = office_group_sync(add_office_accounts=False)
    if user.is_active and user.role == Role.OFFICE:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        group.user_set.add(user)
    else:
        group.user_set.remove(user)


# --- staff accounts: the office's page --------------------------------------------------------

# An initial password is set by the office and must be replaced at the first login: it counts
# as changed on this date, long before any rotation period (see User.password_must_change).
INITIAL_PASSWORD_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# Read out or handed over on paper: no characters that look alike (0/O, 1/l/I).
_PASSWORD_ALPHABETS = (
    "ABCDEFGHJKMNPQRSTUVWXYZ",
    "abcdefghjkmnpqrstuvwxyz",
    "23456789",
    "!#%+=?@",
)
INITIAL_PASSWORD_LENGTH = 16


class NotAllowed(PermissionDenied):
    """The actor may not manage this account. Carries a translated message."""


def _require_office(actor) -> None:
    if actor is None or not actor.is_active or not actor.is_office:
        raise NotAllowed(gettext("Only the congress office can do this."))


def _require_manageable(actor, user) -> None:
    # The portal's administrators are managed by themselves, never from the office's page.
    if user.is_superuser and not actor.is_superuser:
        raise NotAllowed(gettext("Administrator accounts are managed by an administrator."))


def initial_password(user) -> str:
    """A random password of every character class that passes the password validators
    (``secrets``: a CSPRNG)."""
    every = "".join(_PASSWORD_ALPHABETS)
    while True:
        chars = [secrets.choice(alphabet) for alphabet in _PASSWORD_ALPHABETS]
        chars += [secrets.choice(every) for _ in range(INITIAL_PASSWORD_LENGTH - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        password = "".join(chars)
        try:
            validate_password(password, user=user)
        except ValidationError:
            continue
        return password


def _set_initial_password(user) -> str:
    password = initial_password(user)
    user.set_password(password)
    user.password_changed_at = INITIAL_PASSWORD_DATE
    return password


def _check_scope(role: str, *, stations, units, delegate) -> None:
    errors = {}
    if role == Role.STATION_STAFF and not stations:
        errors["stations"] = gettext("Choose the station(s) this account works for.")
    if role == Role.UNIT_STAFF and not units:
        errors["units"] = gettext("Choose the handling unit(s) this account works for.")
    if role == Role.DELEGATE and delegate is None:
        errors["delegate"] = gettext("Choose the delegate this account belongs to.")
    if errors:
        raise ValidationError(errors)


def _set_scope(user, *, stations, units, delegate) -> None:
    """The links that scope the account's role; the other roles' links are removed."""
    from delegates.models import Delegate

    role = user.role
    user.staffed_stations.set(stations if role == Role.STATION_STAFF else [])
    user.handling_units.set(units if role == Role.UNIT_STAFF else [])
    linked = Delegate.objects.select_for_update().filter(user=user)
    if role == Role.DELEGATE:
        delegate = Delegate.objects.select_for_update().get(pk=delegate.pk)
        if delegate.user_id not in (None, user.pk):
            raise ValidationError(
                {"delegate": gettext("This delegate has another login account already.")}
            )
        linked.exclude(pk=delegate.pk).update(user=None)
        if delegate.user_id != user.pk:
            delegate.user = user
            delegate.save(update_fields=["user"])
    else:
        linked.update(user=None)
    for cached in ("_portal_station_scope", "_portal_unit_scope"):
        user.__dict__.pop(cached, None)


def _scope_detail(user, *, stations, units, delegate) -> dict:
    return {
        "role": user.role,
        "stations": sorted(s.pk for s in stations) if user.role == Role.STATION_STAFF else [],
        "units": sorted(u.pk for u in units) if user.role == Role.UNIT_STAFF else [],
        "delegate": delegate.pk if user.role == Role.DELEGATE and delegate else None,
    }


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    role: str,
    full_name: str = "",
    phone: str = "",
    stations=(),
    units=(),
    delegate=None,
):
    """A new staff account with its role and scope, and a one-time initial password (returned,
    never stored in clear) that must be changed at the first login. Returns (user, password)."""
    _require_office(actor)
    user = User(
        username=(username or "").strip(),
        role=role,
        full_name=(full_name or "").strip(),
        phone=normalise_phone(phone or ""),
    )
    user.full_clean(exclude=["password"])
    _check_scope(role, stations=stations, units=units, delegate=delegate)
    password = _set_initial_password(user)
    user.save()
    _set_scope(user, stations=stations, units=units, delegate=delegate)
    user_sync_office_group(user=user)
    audit_record(
        action="account.create",
        actor=actor,
        obj=user,
        detail={
            "username": user.username,
            **_scope_detail(user, stations=stations, units=units, delegate=delegate),
        },
    )
    return user, password


@transaction.atomic
def user_update(
    *,
    user,
    actor,
    role: str,
    full_name: str = "",
    phone: str = "",
    stations=(),
    units=(),
    delegate=None,
):
    """Change an account's role, scope, name or phone; audited (a role change names both)."""
    _require_office(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    _require_manageable(actor, locked)
    if locked.pk == actor.pk and role != locked.role:
        raise ValidationError({"role": gettext("You cannot change the role of your own account.")})
    previous_role = locked.role
    locked.role = role
    locked.full_name = (full_name or "").strip()
    locked.phone = normalise_phone(phone or "")
    locked.full_clean(exclude=["password"])
    _check_scope(role, stations=stations, units=units, delegate=delegate)
    locked.save(update_fields=["role", "full_name", "phone"])
    _set_scope(locked, stations=stations, units=units, delegate=delegate)
    user_sync_office_group(user=locked)
    audit_record(
        action="account.update",
        actor=actor,
        obj=locked,
        detail={
            "username": locked.username,
            "previous_role": previous_role,
            **_scope_detail(locked, stations=stations, units=units, delegate=delegate),
        },
    )
    return locked


@transaction.atomic
def user_deactivate(*, user, actor):
    """The account can no longer log in and its sessions end (Django refuses the session of
    an inactive account at its next request); its history, links and name stay."""
    _require_office(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    _require_manageable(actor, locked)
    if locked.pk == actor.pk:
        raise ValidationError(gettext("You cannot deactivate your own account."))
    if not locked.is_active:
        raise ValidationError(gettext("This account is deactivated already."))
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    user_sync_office_group(user=locked)
    audit_record(
        action="account.deactivate", actor=actor, obj=locked, detail={"username": locked.username}
    )
    return locked


@transaction.atomic
def user_reactivate(*, user, actor):
    """A deactivated account may log in again (with the password it had, or a new one)."""
    _require_office(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    _require_manageable(actor, locked)
    if locked.is_active:
        raise ValidationError(gettext("This account is active already."))
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    user_sync_office_group(user=locked)
    audit_record(
        action="account.reactivate", actor=actor, obj=locked, detail={"username": locked.username}
    )
    return locked


@transaction.atomic
def user_issue_password(*, user, actor) -> str:
    """A new one-time initial password (the person forgot theirs): returned once, to be
    changed at the next login; the account's other sessions end with the old password."""
    _require_office(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    _require_manageable(actor, locked)
    if locked.pk == actor.pk:
        raise ValidationError(gettext("Change your own password on the password page."))
    password = _set_initial_password(locked)
    locked.save(update_fields=["password", "password_changed_at"])
    audit_record(
        action="account.password_issued",
        actor=actor,
        obj=locked,
        detail={"username": locked.username},
    )
    return password
