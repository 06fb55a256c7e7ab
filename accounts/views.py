import base64
import datetime
import textwrap
from dataclasses import dataclass

import segno
from axes.utils import reset as axes_reset
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from congress_portal.clock import today

from .forms import LoginForm
from .middleware import needs_second_factor
from .models import AuditEvent, Role
from .services import audit_record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logout by POST only (Django's LogoutView refuses GET)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        # After the session is flushed: the message travels in the (new) message storage.
        messages.info(request, gettext("You have logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, gettext("Your password has been changed."))
        return response


@dataclass(frozen=True)
class RoleLink:
    """One entry of the staff landing page."""

    label: str
    description: str = ""
    url: str = ""


class HomeView(LoginRequiredMixin, TemplateView):
    """Where a staff member lands after login: the links of their role."""

    template_name = "accounts/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["role_links"] = self.role_links(user)
        return context

    def role_links(self, user) -> list[RoleLink]:
        links: list[RoleLink] = []
        office = user.is_office
        staff = user.role == Role.STATION_STAFF
        delegate = getattr(user, "delegate", None) if user.role == Role.DELEGATE else None
        unit = user.role == Role.UNIT_STAFF
        if office or staff or delegate is not None or unit:
            links.append(
                RoleLink(_("Suggestions"), self.desk_description(user), reverse("suggestions:desk"))
            )
        if delegate is not None:
            links += [
                RoleLink(
                    _("My duty days"),
                    _("Reception days you are on duty at."),
                    reverse("stations:my_duties"),
                ),
                RoleLink(
                    _("My activities"),
                    _("Visits, reception, research and other duties you record."),
                    reverse("delegates:activity_list"),
                ),
                RoleLink(
                    _("Field diary"),
                    _("Quick notes from the street, each one a suggestion in one step."),
                    reverse("delegates:diary"),
                ),
                RoleLink(
                    _("Fixed contacts"),
                    _("The residents you keep in touch with."),
                    reverse("delegates:contacts"),
                ),
                RoleLink(
                    _("My performance file"),
                    _("This year's targets and how far you are."),
                    reverse("delegates:my_performance"),
                ),
            ]
        if office or staff:
            links.append(
                RoleLink(
                    _("Reception days"),
                    _("Schedules with the holiday rule, duty rosters and reception logs."),
                    reverse("stations:manage"),
                )
            )
        if office or staff or delegate is not None:
            links.append(
                RoleLink(
                    _("Meetings and voters' ratings"),
                    _("Deliberation meetings, topics and follow-ups, secret-ballot rating."),
                    reverse("meetings:list"),
                )
            )
        if office or staff:
            links.append(
                RoleLink(
                    _("Delegate performance files"),
                    _("Every delegate against the yearly targets; export to Excel."),
                    reverse("delegates:performance_list"),
                )
            )
        if office:
            links.append(
                RoleLink(
                    _("Yearly targets"),
                    _("The targets each delegate is measured against."),
                    reverse("delegates:targets", args=[today().year]),
                )
            )
        if office or staff or delegate is not None or unit:
            links += [
                RoleLink(
                    _("Figures dashboard"),
                    _("Received, handled, overdue, satisfaction: by month, place and unit."),
                    reverse("dashboard:dashboard"),
                ),
                RoleLink(
                    _("Ledgers"),
                    _("Excel ledgers of suggestions, reception days and activities."),
                    reverse("dashboard:ledgers"),
                ),
            ]
        if office:
            links.append(
                RoleLink(
                    _("Locked accounts"),
                    _("Unlock an account locked after too many failed logins."),
                    reverse("accounts:locked"),
                )
            )
        if office or user.is_staff:
            links.append(
                RoleLink(
                    _("Administration"),
                    _("Stations, delegates, handling units, categories, targets and accounts."),
                    reverse("admin:index"),
                )
            )
        if staff:
            for station in user.staffed_stations.filter(is_active=True).order_by("name"):
                links.append(
                    RoleLink(
                        station.name, _("Public page of your station"), station.get_absolute_url()
                    )
                )
        if delegate is not None and delegate.is_active:
            links.append(
                RoleLink(
                    _("My public profile"),
                    _("What residents see about you."),
                    delegate.get_absolute_url(),
                )
            )
        links.append(
            RoleLink(
                _("Change password"),
                _("Choose a new password of at least 12 characters."),
                reverse("accounts:password_change"),
            )
        )
        return links

    @staticmethod
    def desk_description(user) -> str:
        if user.is_office:
            return gettext("Search every suggestion, reassign, and follow what is overdue.")
        if user.role == Role.UNIT_STAFF:
            return gettext("What was dispatched to your unit: acknowledge, reply, ask for time.")
        if user.role == Role.DELEGATE:
            return gettext("Take, dispatch and review the suggestions of your stations.")
        return gettext("Enter what residents raised and hand it to a delegate.")


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit():
            raise forms.ValidationError(gettext("Enter the six digits shown in the app."))
        return token


class SecondFactorView(LoginRequiredMixin, FormView):
    """Confirm a login with a TOTP code; the first time, set up the authenticator app."""

    template_name = "accounts/second_factor.html"
    form_class = SecondFactorForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not needs_second_factor(request.user):
            return redirect("accounts:home")
        return super().dispatch(request, *args, **kwargs)

    def device(self) -> TOTPDevice:
        """The confirmed device, or the one being set up (created on first visit)."""
        user = self.request.user
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
            if device is None:
                device = TOTPDevice.objects.create(
                    user=user, name=gettext("Authenticator app"), confirmed=False
                )
        return device

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = self.device()
        context["enrolling"] = not device.confirmed
        if not device.confirmed:
            context["qr_svg"] = mark_safe(  # noqa: S308 — segno's SVG of our own URL, no user text
                segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2328")
            )
            context["secret"] = " ".join(
                textwrap.wrap(base64.b32encode(device.bin_key).decode(), 4)
            )
        context["next"] = self.next_url()
        return context

    def next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={self.request.get_host()}, require_https=False
        ):
            return candidate
        return reverse("accounts:home")

    def form_valid(self, form):
        device = self.device()
        if not device.verify_token(form.cleaned_data["token"]):
            audit_record(
                action="otp.failed",
                request=self.request,
                obj=self.request.user,
                outcome=AuditEvent.Outcome.FAILURE,
            )
            form.add_error(
                "token",
                gettext(
                    "This code is not right or has expired. Wait for the next one and try again."
                ),
            )
            return self.form_invalid(form)
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit_record(action="otp.enrolled", request=self.request, obj=self.request.user)
        otp_login(self.request, device)
        return redirect(self.next_url())


# -- locked-out accounts --


class LockedAccountsView(LoginRequiredMixin, TemplateView):
    """The office unlocks accounts locked after too many failed logins (the lockout page says
    it can). Lists the usernames locked now; unlocking is a POST, audited."""

    template_name = "accounts/locked_accounts.html"
    # At most this many locked usernames are listed (a password-spraying probe locks many).
    LIMIT = 100

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["locked"] = locked_usernames(limit=self.LIMIT + 1)
        context["limit"] = self.LIMIT
        return context

    def post(self, request, *args, **kwargs):
        username = (request.POST.get("username") or "").strip()[:150]
        if not username or username not in {row["username"] for row in locked_usernames()}:
            messages.error(request, gettext("That account is not locked."))
            return redirect("accounts:locked")
        removed = axes_reset(username=username)
        audit_record(
            action="account.unlock",
            request=request,
            object_type="accounts.user",
            object_id=username,
            detail={"attempts_removed": removed},
        )
        messages.success(
            request, gettext("%(username)s can log in again.") % {"username": username}
        )
        return redirect("accounts:locked")


def locked_usernames(*, limit: int | None = None) -> list[dict]:
    """Usernames whose failures reached the limit within the cool-off time, newest first."""
    from axes.conf import settings as axes_settings
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum
    from django.utils import timezone

    since = timezone.now() - datetime.timedelta(hours=float(axes_settings.AXES_COOLOFF_TIME))
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=axes_settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return list(rows[:limit] if limit else rows)
