"""The office's pages for handling units: list with each unit's open work, create, edit, its
staff accounts, and closing a unit down with its open work moved to a successor."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts.models import AuditEvent, User
from accounts.office_views import OfficeRequiredMixin
from congress_portal.forms import add_service_error
from congress_portal.masking import mask_phone

from . import services
from .models import Category, HandlingUnit
from .selectors import unit_open_counts, unit_open_suggestions
from .unit_forms import UnitDeactivateForm, UnitFilter, UnitForm, UnitMemberForm

FIRST_ROWS = 10
MEMBERS_SHOWN = 100


class UnitListView(OfficeRequiredMixin, TemplateView):
    """Every handling unit, searchable and paged, with the open work each holds now."""

    template_name = "suggestions/units/unit_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queryset = HandlingUnit.objects.select_related("parent").order_by("name", "id")
        filterset = UnitFilter(self.request.GET or None, queryset=queryset)
        rows = filterset.qs if not filterset.is_bound or filterset.is_valid() else queryset.none()
        page = Paginator(rows, self.paginate_by).get_page(self.request.GET.get("page"))
        units = list(page.object_list)
        counts = unit_open_counts(unit.pk for unit in units)
        context.update(
            filter=filterset,
            page_obj=page,
            units=[{"unit": unit, "open": counts.get(unit.pk, 0)} for unit in units],
        )
        return context


class UnitCreateView(OfficeRequiredMixin, FormView):
    template_name = "suggestions/units/unit_form.html"

    def get_form(self, form_class=None):
        return UnitForm(self.request.POST or None, actor=self.request.user)

    def form_valid(self, form):
        try:
            unit = services.handling_unit_save(unit=form.instance, actor=self.request.user)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, gettext("The unit %(name)s is created.") % {"name": unit.name}
        )
        return redirect("suggestions:unit_edit", pk=unit.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class UnitEditView(OfficeRequiredMixin, FormView):
    """A unit's details (editable), its open work, its staff accounts, and its history."""

    template_name = "suggestions/units/unit_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.unit = get_object_or_404(
            HandlingUnit.objects.select_related("parent"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return UnitForm(self.request.POST or None, instance=self.unit, actor=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.unit
        members = list(
            unit.members.only("id", "username", "full_name", "phone", "is_active").order_by(
                "-is_active", "username"
            )[: MEMBERS_SHOWN + 1]
        )
        context.update(
            unit=unit,
            open_count=unit_open_suggestions(unit).count(),
            members=[{"user": user, "phone": mask_phone(user.phone)} for user in members],
            members_limit=MEMBERS_SHOWN,
            member_form=UnitMemberForm(actor=self.request.user),
            new_account_url=f"{reverse('accounts:manage_new')}?role=unit_staff&unit={unit.pk}",
            history=list(
                AuditEvent.objects.filter(
                    object_type="suggestions.handlingunit", object_id=str(unit.pk)
                )
                .only("created_at", "action", "actor_label", "detail")
                .order_by("-created_at", "-id")[:20]
            ),
        )
        return context

    def form_valid(self, form):
        try:
            services.handling_unit_save(unit=form.instance, actor=self.request.user)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The unit is saved."))
        return redirect("suggestions:unit_edit", pk=self.unit.pk)

    def form_invalid(self, form):
        # The instance was changed by the bound form: show the saved name in the heading.
        self.unit.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form), status=400)


class UnitMemberView(OfficeRequiredMixin, View):
    """Add an existing unit-staff account to the unit, or remove one (POST)."""

    http_method_names = ["post"]

    def post(self, request, pk):
        unit = get_object_or_404(HandlingUnit, pk=pk)
        if request.POST.get("action") == "remove":
            user = get_object_or_404(
                User, pk=_int(request.POST.get("account")), handling_units=unit
            )
            services.handling_unit_set_member(
                unit=unit, user=user, actor=request.user, member=False
            )
            messages.success(
                request,
                gettext("%(username)s is no longer staff of this unit.")
                % {"username": user.username},
            )
            return redirect("suggestions:unit_edit", pk=unit.pk)
        form = UnitMemberForm(request.POST, actor=request.user)
        if form.is_valid():
            user = form.cleaned_data["account"]
            try:
                services.handling_unit_set_member(
                    unit=unit, user=user, actor=request.user, member=True
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("%(username)s is now staff of this unit.")
                    % {"username": user.username},
                )
                return redirect("suggestions:unit_edit", pk=unit.pk)
        # The edit page beside it has its own form: the reason travels as a message.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("suggestions:unit_edit", pk=unit.pk)


def _int(value) -> int:
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else 0


class UnitDeactivateView(OfficeRequiredMixin, TemplateView):
    """Closing a unit down: what it holds and what will move (counts, first rows), the
    successor to choose, then the office confirms."""

    template_name = "suggestions/units/unit_deactivate.html"

    def dispatch(self, request, *args, **kwargs):
        self.unit = get_object_or_404(HandlingUnit, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit = self.unit
        holding = unit_open_suggestions(unit)
        first = list(
            holding.select_related("station")
            .only("id", "tracking_code", "title", "state", "deadline", "station__name")
            .order_by("deadline", "id")[:FIRST_ROWS]
        )
        context.update(
            unit=unit,
            open_count=holding.count() if first else 0,
            first_rows=first,
            categories=list(Category.objects.filter(default_unit=unit).order_by("name")[:20]),
            children=HandlingUnit.objects.filter(parent=unit, is_active=True).count(),
            staff_count=unit.members.filter(is_active=True).count(),
            form=kwargs.get("form") or UnitDeactivateForm(actor=self.request.user),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = UnitDeactivateForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                moved, queued = services.handling_unit_deactivate(
                    unit=self.unit, successor=form.cleaned_data["successor"], actor=request.user
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                if queued:
                    messages.success(
                        request,
                        ngettext(
                            "The unit is closed. %(count)d open suggestion is being moved to "
                            "the successor in the background; this page shows how many are left.",
                            "The unit is closed. %(count)d open suggestions are being moved to "
                            "the successor in the background; this page shows how many are left.",
                            queued,
                        )
                        % {"count": queued},
                    )
                else:
                    messages.success(
                        request,
                        ngettext(
                            "The unit is closed; %(count)d open suggestion moved to the successor.",
                            "The unit is closed; %(count)d open suggestions moved to the "
                            "successor.",
                            moved,
                        )
                        % {"count": moved},
                    )
                return redirect("suggestions:unit_edit", pk=self.unit.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)
