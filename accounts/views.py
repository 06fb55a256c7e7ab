from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .forms import LoginForm
from .models import Role


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
    """One entry of the staff landing page: a link, or a page not built yet (``url`` empty)."""

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
        context["coming_soon"] = self.coming_soon(user)
        return context

    def role_links(self, user) -> list[RoleLink]:
        links: list[RoleLink] = []
        if user.is_office or user.is_staff:
            links.append(
                RoleLink(
                    _("Administration"),
                    _("Stations, delegates, handling units, categories, targets and accounts."),
                    reverse("admin:index"),
                )
            )
        if user.is_office or user.role in (Role.STATION_STAFF, Role.DELEGATE, Role.UNIT_STAFF):
            links.append(
                RoleLink(
                    _("Suggestions"),
                    self.desk_description(user),
                    reverse("suggestions:desk"),
                )
            )
        if user.role == Role.STATION_STAFF:
            for station in user.staffed_stations.filter(is_active=True).order_by("name"):
                links.append(
                    RoleLink(
                        station.name, _("Public page of your station"), station.get_absolute_url()
                    )
                )
        if user.role == Role.DELEGATE:
            delegate = getattr(user, "delegate", None)
            if delegate is not None and delegate.is_active:
                links.append(
                    RoleLink(
                        _("My public profile"),
                        _("What residents see about you."),
                        delegate.get_absolute_url(),
                    )
                )
                for station in delegate.stations.filter(is_active=True).order_by("name"):
                    links.append(
                        RoleLink(
                            station.name,
                            _("Public page of a station you are stationed at"),
                            station.get_absolute_url(),
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

    def coming_soon(self, user) -> list[RoleLink]:
        """Pages of the role that are not built yet, listed so that nobody hunts for them."""
        if user.role == Role.UNIT_STAFF:
            return []
        if user.role == Role.DELEGATE:
            return [
                RoleLink(_("My activities and field diary")),
                RoleLink(_("My performance file")),
            ]
        if user.role == Role.STATION_STAFF:
            return [
                RoleLink(_("Reception schedule and duty roster")),
                RoleLink(_("Reception day logs")),
                RoleLink(_("Ledgers")),
            ]
        if user.is_office:
            return [
                RoleLink(_("Dashboard")),
                RoleLink(_("Delegate performance files")),
                RoleLink(_("Exports")),
            ]
        return []
