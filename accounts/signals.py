"""Audit of logins, logout, failures and lockouts (SECURITY.md 13).

Receivers only record; they carry no business logic.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuditEvent
from .services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(action="login", actor=user, request=request, obj=user)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", actor=user, request=request, obj=user)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        action="login_failed",
        request=request,
        outcome=AuditEvent.Outcome.FAILURE,
        detail={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(
        action="lockout",
        request=request,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"username": str(username or "")[:150]},
    )
