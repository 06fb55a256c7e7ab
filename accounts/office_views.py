"""The office's pages for staff accounts: list, create, edit, deactivate, reactivate, and a new
one-time initial password. Office only (others: 403); every write is a service, audited."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from congress_portal.forms import add_service_error
from congress_portal.masking import mask_phone

from . import services
from .forms import AccountFilter, AccountForm
from .models import AuditEvent, Role, User


class OfficeRequiredMixin(LoginRequiredMixin):
    """Logged in as the congress office; anyone else gets 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _account_or_404(pk) -> User:
    return get_object_or_404(User, pk=pk)


class AccountListView(OfficeRequiredMixin, TemplateView):
    """Every staff account, searchable and paged (thousands of them): user name, name, role,
    masked phone, status. Four queries whatever the number of accounts."""

    template_name = "accounts/manage_list.html"
    paginate_by = 50
    COLUMNS = ("id", "username", "full_name", "role", "phone", "is_active", "last_login")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = User.objects.only(
            "id",
            "username",
            "full_name",
            "role",
            "phone",
            "is_active",
            "is_superuser",
            "last_login",
        ).order_by("username", "id")
        filterset = AccountFilter(self.request.GET or None, queryset=queryset)
        if filterset.is_bound and not filterset.is_valid():
            rows = queryset.none()
        else:
            rows = filterset.qs
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        roles = dict(Role.choices)
        context.update(
            filter=filterset,
            page_obj=page,
            accounts=[
                {
                    "user": user,
                    "role": roles.get(user.role, ""),
                    "phone": mask_phone(user.phone) if user.phone else "",
                }
                for user in page.object_list
            ],
        )
        return context


def _password_page(request, user, password, *, created: bool):
    """The one time an initial password is shown: rendered, never redirected to or kept."""
    return render(
        request,
        "accounts/manage_password.html",
        {"account": user, "password": password, "created": created},
    )


@method_decorator(never_cache, name="dispatch")  # the password page must stay out of caches
class AccountCreateView(OfficeRequiredMixin, FormView):
    template_name = "accounts/manage_form.html"

    def get_form(self, form_class=None):
        return AccountForm(
            self.request.POST or None,
            actor=self.request.user,
            creating=True,
            initial=self.initial_from_query(),
        )

    def initial_from_query(self) -> dict:
        """``?role=unit_staff&unit=7``: the unit page's "create a staff account" link."""
        role = self.request.GET.get("role") or ""
        initial = {"role": role if role in Role.values else ""}
        unit = self.request.GET.get("unit") or ""
        if unit.isascii() and unit.isdigit() and len(unit) < 19:
            initial["units"] = [int(unit)]
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=self.request.user,
                username=data["username"],
                role=data["role"],
                full_name=data["full_name"],
                phone=data["phone"],
                stations=list(data["stations"]),
                units=list(data["units"]),
                delegate=data["delegate"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        return _password_page(self.request, user, password, created=True)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AccountEditView(OfficeRequiredMixin, FormView):
    """Role, scope, name and phone of one account, with its status and recent history."""

    template_name = "accounts/manage_form.html"
    HISTORY = 20

    def dispatch(self, request, *args, **kwargs):
        self.account = _account_or_404(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        user = self.account
        delegate = getattr(user, "delegate", None)
        return {
            "full_name": user.full_name,
            "phone": user.phone,
            "role": user.role,
            "stations": list(user.staffed_stations.values_list("pk", flat=True)),
            "units": list(user.handling_units.values_list("pk", flat=True)),
            "delegate": delegate.pk if delegate is not None else None,
        }

    def get_form(self, form_class=None):
        return AccountForm(
            self.request.POST or None,
            actor=self.request.user,
            creating=False,
            initial=self.get_initial(),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["account"] = self.account
        context["delegate_record"] = getattr(self.account, "delegate", None)
        context["history"] = list(
            AuditEvent.objects.filter(object_type="accounts.user", object_id=str(self.account.pk))
            .only("created_at", "action", "actor_label", "outcome")
            .order_by("-created_at", "-id")[: self.HISTORY]
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.user_update(
                user=self.account,
                actor=self.request.user,
                role=data["role"],
                full_name=data["full_name"],
                phone=data["phone"],
                stations=list(data["stations"]),
                units=list(data["units"]),
                delegate=data["delegate"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        except services.NotAllowed as error:
            messages.error(self.request, str(error))
            return redirect("accounts:manage_edit", pk=self.account.pk)
        messages.success(
            self.request,
            gettext("The account %(username)s is saved.") % {"username": self.account.username},
        )
        return redirect("accounts:manage_edit", pk=self.account.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class AccountDeactivateView(OfficeRequiredMixin, TemplateView):
    """What deactivating means for this account, then the office confirms (POST)."""

    template_name = "accounts/manage_deactivate.html"

    def dispatch(self, request, *args, **kwargs):
        self.account = _account_or_404(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        from suggestions.models import HandlingUnit

        context = super().get_context_data(**kwargs)
        account = self.account
        delegate = getattr(account, "delegate", None)
        context["account"] = account
        context["delegate_record"] = (
            delegate if delegate is not None and delegate.is_active else None
        )
        # Units this account is the last active member of: nobody there could log in after.
        others = User.objects.filter(handling_units=OuterRef("pk"), is_active=True).exclude(
            pk=account.pk
        )
        context["last_of_units"] = list(
            HandlingUnit.objects.filter(members=account, is_active=True)
            .exclude(Exists(others))
            .order_by("name")[:20]
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            services.user_deactivate(user=self.account, actor=request.user)
        except (ValidationError, services.NotAllowed) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("accounts:manage_edit", pk=self.account.pk)
        messages.success(
            request,
            gettext(
                "The account %(username)s is deactivated: it cannot log in, and its history "
                "is kept."
            )
            % {"username": self.account.username},
        )
        return redirect("accounts:manage_edit", pk=self.account.pk)


class AccountReactivateView(OfficeRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        account = _account_or_404(pk)
        try:
            services.user_reactivate(user=account, actor=request.user)
        except (ValidationError, services.NotAllowed) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(
                request,
                gettext("The account %(username)s can log in again.")
                % {"username": account.username},
            )
        return redirect("accounts:manage_edit", pk=account.pk)


@method_decorator(never_cache, name="dispatch")
class AccountPasswordView(OfficeRequiredMixin, View):
    """A new one-time initial password for an account whose holder forgot theirs."""

    http_method_names = ["post"]

    def post(self, request, pk):
        account = _account_or_404(pk)
        try:
            password = services.user_issue_password(user=account, actor=request.user)
        except (ValidationError, services.NotAllowed) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return redirect("accounts:manage_edit", pk=account.pk)
        return _password_page(request, account, password, created=False)
