"""Writes of the accounts app: the audit log."""

from django.http import HttpRequest

from congress_portal.clients import client_ip

from .models import AuditEvent


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
