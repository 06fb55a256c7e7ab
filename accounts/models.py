from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import now


class Role(models.TextChoices):
    """What a logged-in account does. Residents and voters have no account."""

    OFFICE = "office", _("Congress office")
    STATION_STAFF = "station_staff", _("Station staff")
    DELEGATE = "delegate", _("Delegate")
    UNIT_STAFF = "unit_staff", _("Handling-unit staff")


class User(AbstractUser):
    """A named staff account. Scope comes from the links each role has:
    station staff → ``staffed_stations``, delegate → ``delegate``, unit staff → ``handling_units``.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Full phone numbers of residents are masked everywhere; an office account holding this
        # right may reveal one (audited) or export them unmasked (SECURITY.md 8).
        permissions = [("reveal_phone", _("Can see residents' full phone numbers"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values) | models.Q(role=""),
                name="user_role_valid",
            ),
        ]

    def __str__(self):
        return self.full_name or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        # The 90-day rotation (SECURITY.md 2) counts from here.
        self.password_changed_at = now()

    @property
    def password_expired(self) -> bool:
        """True when the password is older than PASSWORD_MAX_AGE_DAYS (0 turns rotation off)."""
        days = settings.PASSWORD_MAX_AGE_DAYS
        changed = self.password_changed_at or self.date_joined
        if self.password_must_change:
            return True
        if not days or changed is None or not self.has_usable_password():
            return False
        return (now() - changed).days >= days

    @property
    def password_must_change(self) -> bool:
        """True while the account holds the initial password the office gave it
        (``accounts.services.user_create`` dates it long before any rotation period)."""
        changed = self.password_changed_at
        return changed is not None and changed.year <= 2000 and self.has_usable_password()

    @property
    def is_office(self):
        return self.is_active and (self.role == Role.OFFICE or self.is_superuser)

    @property
    def display_name(self):
        return self.full_name or self.username


class AuditEvent(models.Model):
    """An append-only record of a security-relevant action (SECURITY.md 13).

    Never holds passwords, full phone numbers, tracking or ballot codes.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("success")
        FAILURE = "failure", _("failure")
        DENIED = "denied", _("denied")

    created_at = models.DateTimeField(_("time"), default=now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.actor_label}"

    def save(self, *args, **kwargs):
        # Append-only: the database refuses updates too (see the trigger migration).
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


class EnrolmentToken(models.Model):
    """A one-time permission to set up the second factor of one office or admin account.

    Issued out of band (by another office account or ``manage.py issue_enrolment_token``) so
    that knowing an account's password is not enough to bind an authenticator app to it. Only
    the SHA-256 of the token is kept: the token itself is shown once, to whoever issues it.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for account"),
        on_delete=models.CASCADE,
        related_name="enrolment_tokens",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued at"), default=now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment token")
        verbose_name_plural = _("enrolment tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "used_at"], name="enrolment_user_used_idx")]

    def __str__(self):
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.used_at is None and self.expires_at > now()
