import base64
import datetime
import textwrap
from dataclasses import dataclass

import segno
from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from congress_portal.clock import today
from congress_portal.ratelimit import hit

from .forms import (
    AccountChoiceForm,
    EnrolmentCodeForm,
    EnrolmentTokenForm,
    LoginForm,
    SecondFactorForm,
)
from .middleware import needs_second_factor
from .models import AuditEvent, Role
from .second_factor import (
    enrolment_device,
    enrolment_token_find,
    enrolment_token_issue,
    enrolment_token_revoke,
    pending_tokens,
    recovery_code_use,
    recovery_codes_renew,
    requires_second_factor,
    second_factor_enrol,
    second_factor_reset,
)
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
            links += [
                RoleLink(
                    _("Staff accounts"),
                    _("Create accounts with their role and scope; deactivate those who left."),
                    reverse("accounts:manage"),
                ),
                RoleLink(
                    _("Handling units"),
                    _("Units, their staff accounts and open work; close a unit and hand it over."),
                    reverse("suggestions:units"),
                ),
            ]
            links.append(
                RoleLink(
                    _("Import from Excel"),
                    _("Stations, delegates and handling units from spreadsheets, previewed first."),
                    reverse("imports:home"),
                )
            )
            links.append(
                RoleLink(
                    _("Locked accounts"),
                    _("Unlock an account locked after too many failed logins."),
                    reverse("accounts:locked"),
                )
            )
            links.append(
                RoleLink(
                    _("Second factor enrolment"),
                    _("Enrolment tokens for colleagues' authenticator apps; reset a lost phone."),
                    reverse("accounts:enrolment"),
                )
            )
        if office:
            links.append(
                RoleLink(
                    _("Holiday calendar"),
                    _("Next year's official holidays and make-up working days (调休)."),
                    reverse("stations:calendar_current"),
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
        if requires_second_factor(user):
            links.append(
                RoleLink(
                    _("New recovery codes"),
                    _("Replace your recovery codes; the old ones stop working."),
                    reverse("accounts:recovery_codes"),
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


# Wrong enrolment tokens are limited like logins: five tries per address and account in 15 min.
ENROL_LIMIT = 5
ENROL_WINDOW = 15 * 60
# The enrolment under way in this session: the accepted token's id and the device whose key
# was shown. Only the session that gave the token sees the key and can confirm it.
_ENROLMENT = "portal_enrolment"


@method_decorator(never_cache, name="dispatch")  # the key and recovery codes stay out of caches
class SecondFactorView(LoginRequiredMixin, TemplateView):
    """Confirm a login with a code from the authenticator app or a recovery code.

    An account without a confirmed app first gives the enrolment token the office issued;
    only then is a new key shown (QR code and text), and the app's first code confirms it,
    uses up the token and creates the recovery codes, shown once.
    """

    template_name = "accounts/second_factor.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not needs_second_factor(request.user):
            return redirect("accounts:home")
        return super().dispatch(request, *args, **kwargs)

    # -- which step --

    def step(self) -> tuple[str, TOTPDevice | None, int | None]:
        """("verify", confirmed device), ("setup", device being set up, token id) or
        ("token", nothing yet)."""
        user = self.request.user
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            return "verify", device, None
        enrolment = self.request.session.get(_ENROLMENT) or {}
        token_id, device_id = enrolment.get("token"), enrolment.get("device")
        if token_id and device_id and pending_tokens().filter(pk=token_id, user=user).exists():
            device = TOTPDevice.objects.filter(pk=device_id, user=user, confirmed=False).first()
            if device is not None:
                return "setup", device, token_id
        self.request.session.pop(_ENROLMENT, None)
        return "token", None, None

    FORMS = {"verify": SecondFactorForm, "setup": EnrolmentCodeForm, "token": EnrolmentTokenForm}

    def get(self, request, *args, **kwargs):
        step, device, _token = self.step()
        return self.render_step(step, device, self.FORMS[step]())

    def post(self, request, *args, **kwargs):
        step, device, token_id = self.step()
        form = self.FORMS[step](request.POST)
        if step == "token":
            return self.post_token(form)
        if not form.is_valid():
            return self.render_step(step, device, form)
        if step == "setup":
            return self.post_setup(form, device, token_id)
        return self.post_verify(form, device)

    def render_step(self, step, device, form, status=200):
        context = self.get_context_data(step=step, form=form, next=self.next_url())
        if step == "setup":
            context["qr_svg"] = mark_safe(  # noqa: S308 — segno's SVG of our own URL, no user text
                segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#1f2328")
            )
            context["secret"] = " ".join(
                textwrap.wrap(base64.b32encode(device.bin_key).decode(), 4)
            )
        return self.render_to_response(context, status=status)

    def next_url(self) -> str:
        candidate = self.request.POST.get("next") or self.request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={self.request.get_host()}, require_https=False
        ):
            return candidate
        return reverse("accounts:home")

    def again(self):
        """Back to this page (POST/redirect/GET), keeping where the person was going."""
        return redirect(
            f"{reverse('accounts:second_factor')}?{urlencode({'next': self.next_url()})}"
        )

    # -- the three posts --

    def post_token(self, form):
        request, user = self.request, self.request.user
        if not hit(request, f"enrol:{user.pk}", limit=ENROL_LIMIT, window=ENROL_WINDOW):
            form.is_valid()
            form.add_error(
                None,
                gettext("Too many tries. Wait 15 minutes, then enter the enrolment token again."),
            )
            return self.render_step("token", None, form, status=429)
        if not form.is_valid():
            return self.render_step("token", None, form)
        token = enrolment_token_find(user=user, raw=form.cleaned_data["enrolment_token"])
        if token is None:
            audit_record(
                action="otp.token_refused",
                request=request,
                obj=user,
                outcome=AuditEvent.Outcome.FAILURE,
            )
            form.add_error(
                "enrolment_token",
                gettext(
                    "This enrolment token is not right, has expired or was used already. Check "
                    "it, or ask the congress office for a new one."
                ),
            )
            return self.render_step("token", None, form)
        device = enrolment_device(user=user)
        request.session[_ENROLMENT] = {"token": token.pk, "device": device.pk}
        audit_record(
            action="otp.token_accepted", request=request, obj=user, detail={"token": token.pk}
        )
        return self.again()

    def post_setup(self, form, device, token_id):
        request, user = self.request, self.request.user
        if not device.verify_token(form.cleaned_data["token"]):
            self.audit_wrong_code()
            form.add_error("token", self.WRONG_CODE)
            return self.render_step("setup", device, form)
        codes = second_factor_enrol(user=user, token_id=token_id, device=device, request=request)
        request.session.pop(_ENROLMENT, None)
        if codes is None:
            messages.error(
                request,
                gettext(
                    "The enrolment token expired meanwhile. Ask the congress office for a new one."
                ),
            )
            return self.again()
        otp_login(request, device)
        # Rendered, not redirected to: the codes are shown this once and kept nowhere else.
        return render(
            request,
            "accounts/recovery_codes.html",
            {"codes": [f"{code[:4]}-{code[4:]}" for code in codes], "next": self.next_url()},
        )

    WRONG_CODE = _("This code is not right or has expired. Wait for the next one and try again.")

    def post_verify(self, form, device):
        request, user = self.request, self.request.user
        if form.is_totp:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(self.next_url())
        else:
            used = recovery_code_use(user=user, raw=form.cleaned_data["token"], request=request)
            if used is not None:
                recovery, remaining = used
                otp_login(request, recovery)
                self.tell_remaining(remaining)
                return redirect(self.next_url())
        self.audit_wrong_code()
        form.add_error("token", self.WRONG_CODE)
        return self.render_step("verify", device, form)

    def audit_wrong_code(self):
        audit_record(
            action="otp.failed",
            request=self.request,
            obj=self.request.user,
            outcome=AuditEvent.Outcome.FAILURE,
        )

    def tell_remaining(self, remaining: int) -> None:
        if remaining:
            message = ngettext(
                "You logged in with a recovery code; it cannot be used again. %(count)d recovery "
                "code is left.",
                "You logged in with a recovery code; it cannot be used again. %(count)d recovery "
                "codes are left.",
                remaining,
            ) % {"count": remaining}
        else:
            message = gettext(
                "You logged in with your last recovery code. Ask the congress office to reset "
                "your second factor if your phone is lost, or to give you new recovery codes."
            )
        messages.warning(self.request, message)


@method_decorator(never_cache, name="dispatch")  # the new codes stay out of caches
class RecoveryCodesView(LoginRequiredMixin, TemplateView):
    """New recovery codes for one's own second factor (used up, or seen by someone): the app's
    current code confirms it is the owner, the old codes stop working, the new ones are shown
    once."""

    template_name = "accounts/recovery_codes_renew.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
            if self.device is None:
                messages.info(request, gettext("Set up your authenticator app first."))
                return redirect("accounts:second_factor")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=EnrolmentCodeForm()))

    def post(self, request, *args, **kwargs):
        user = request.user
        form = EnrolmentCodeForm(request.POST)
        if not hit(request, f"recovery:{user.pk}", limit=ENROL_LIMIT, window=ENROL_WINDOW):
            form.is_valid()
            form.add_error(None, gettext("Too many tries. Wait 15 minutes, then try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        codes = recovery_codes_renew(
            user=user, device=self.device, code=form.cleaned_data["token"], request=request
        )
        if codes is None:
            form.add_error("token", SecondFactorView.WRONG_CODE)
            return self.render_to_response(self.get_context_data(form=form))
        # Rendered, not redirected to: the codes are shown this once and kept nowhere else.
        return render(
            request,
            "accounts/recovery_codes.html",
            {
                "codes": [f"{code[:4]}-{code[4:]}" for code in codes],
                "next": reverse("accounts:home"),
                "renewed": True,
            },
        )


# -- enrolment tokens: the office's page --


@method_decorator(never_cache, name="dispatch")  # a just-issued token stays out of caches
class EnrolmentView(LoginRequiredMixin, TemplateView):
    """The office issues enrolment tokens for other office and admin accounts (shown once),
    revokes pending ones, and resets the second factor of an account whose phone is lost."""

    template_name = "accounts/enrolment.html"
    LIMIT = 100

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("issue_form", AccountChoiceForm(prefix="issue"))
        context.setdefault("reset_form", AccountChoiceForm(prefix="reset"))
        context["pending"] = list(
            pending_tokens()
            .select_related("user", "issued_by")
            .order_by("-created_at", "-id")[: self.LIMIT + 1]
        )
        context["limit"] = self.LIMIT
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action == "issue":
            return self.issue()
        if action == "reset":
            return self.reset()
        if action == "revoke":
            return self.revoke()
        messages.error(request, gettext("Choose what to do."))
        return redirect("accounts:enrolment")

    def issue(self):
        request = self.request
        form = AccountChoiceForm(request.POST, prefix="issue")
        if form.is_valid():
            try:
                token, text = enrolment_token_issue(
                    user=form.user, actor=request.user, request=request, via="page"
                )
            except ValidationError as error:
                form.add_error("username", error)
            else:
                # Rendered, not redirected to: the token is shown this once and kept nowhere.
                return self.render_to_response(
                    self.get_context_data(issued=token, issued_text=text)
                )
        return self.render_to_response(self.get_context_data(issue_form=form), status=400)

    def reset(self):
        request = self.request
        form = AccountChoiceForm(request.POST, prefix="reset")
        if form.is_valid():
            try:
                second_factor_reset(user=form.user, actor=request.user, request=request, via="page")
            except ValidationError as error:
                form.add_error("username", error)
            else:
                messages.success(
                    request,
                    gettext(
                        "The second factor of %(username)s is removed. Issue them a new "
                        "enrolment token to set up a new app."
                    )
                    % {"username": form.user.get_username()},
                )
                return redirect("accounts:enrolment")
        return self.render_to_response(self.get_context_data(reset_form=form), status=400)

    def revoke(self):
        request = self.request
        token_id = request.POST.get("token") or ""
        token = (
            pending_tokens().select_related("user").filter(pk=token_id).first()
            if token_id.isascii() and token_id.isdigit() and len(token_id) < 19
            else None
        )
        if token is None or not enrolment_token_revoke(
            token=token, actor=request.user, request=request
        ):
            messages.error(request, gettext("That enrolment token is no longer pending."))
        else:
            messages.success(
                request,
                gettext("The enrolment token for %(username)s is revoked.")
                % {"username": token.user.get_username()},
            )
        return redirect("accounts:enrolment")


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
