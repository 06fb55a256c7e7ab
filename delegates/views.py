from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView

from accounts.models import Role
from accounts.services import audit_record
from congress_portal.clock import today
from congress_portal.forms import add_service_error

from .exports import performance_liner, performance_xlsx
from .filters import DelegateFilter
from .forms import (
    MIN_YEAR,
    ActivityForm,
    AnnualReportForm,
    DiaryEntryForm,
    DiarySuggestionForm,
    FixedContactForm,
    PerformanceFilterForm,
    TargetsForm,
)
from .models import (
    Activity,
    ActivityInvitation,
    AnnualReport,
    Delegate,
    Level,
    StationMembership,
    YearlyTarget,
)
from .performance import (
    DELEGATE_METRICS,
    LABELS,
    Status,
    figures_export_lines,
    figures_for_list,
    figures_rows,
    figures_tally,
    performance_of,
    suggestion_counts_as,
    targets_for_year,
)
from .selectors import (
    activities_visible_to,
    can_keep_records,
    current_mandates,
    delegate_mandates,
    delegate_memberships,
    delegate_public_list,
    delegate_upcoming_duties,
    delegates_with_summary,
    diary_visible_to,
    file_activities,
    file_station_duties,
    file_suggestions,
    performance_delegates_for,
    record_delegates_for,
    user_delegate,
)
from .services import (
    activity_can_edit,
    activity_delete,
    activity_invitation_answer,
    activity_record,
    activity_update,
    annual_report_save,
    diary_entry_create,
    diary_entry_delete,
    diary_entry_to_suggestion,
    fixed_contact_add,
    fixed_contact_end,
    yearly_targets_set,
)


def _list_small_choices(form, names):
    """The options of a filter form's short model selects, read in one plain query each for
    the template (which lists ``widget.choices``): iterating a ModelChoiceField's choices
    costs a COUNT and a server-side cursor besides. Validation still uses the queryset."""
    for name in names:
        field = form.fields[name]
        options = [(obj.pk, field.label_from_instance(obj)) for obj in field.queryset]
        field.widget.choices = [("", field.empty_label), *options]


class DelegateListView(ListView):
    """Serving delegates, filterable by level, station, group, constituency and term."""

    template_name = "delegates/delegate_list.html"
    context_object_name = "delegates"
    paginate_by = 30

    def get_queryset(self):
        self.filterset = DelegateFilter(self.request.GET or None, queryset=delegate_public_list())
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        delegates_with_summary(context["delegates"])
        _list_small_choices(self.filterset.form, ("term",))
        context.update(
            filter=self.filterset,
            # Echo only what validated: a NUL byte or an oversized string is not written back.
            query=getattr(self.filterset.form, "cleaned_data", {}).get("q") or "",
            is_search=any(params.values()),
        )
        return context


class DelegateDetailView(DetailView):
    """A delegate's public profile. Contact details only with the delegate's consent."""

    template_name = "delegates/delegate_detail.html"
    context_object_name = "delegate"

    def get_queryset(self):
        return delegate_public_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delegate = self.object
        delegates_with_summary([delegate])
        context.update(
            mandates=delegate_mandates(delegate=delegate),
            memberships=delegate_memberships(delegate=delegate),
            upcoming_duties=delegate_upcoming_duties(delegate=delegate),
            # Decided here, not in the template: nothing but consent publishes contact data.
            public_phone=delegate.public_phone,
            public_email=delegate.email if delegate.consent_public_contact else "",
            today=today(),
            # 五公开: the counts of this year's file, never its notes or residents' names.
            performance=performance_of(delegate, today().year),
        )
        return context


# --- logged-in pages --------------------------------------------------------------------------


class _NotFoundUnlessMixin(LoginRequiredMixin):
    """Anonymous → login page; a logged-in user without the right → 404 (SECURITY.md 6)."""

    def allowed(self, user) -> bool:
        return True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.allowed(request.user):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class RecordKeeperMixin(_NotFoundUnlessMixin):
    """Delegates (their own records) and the office (anyone's)."""

    def allowed(self, user):
        return can_keep_records(user)


class OfficeMixin(_NotFoundUnlessMixin):
    def allowed(self, user):
        return user.is_office


def _pk_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _year_param(value, default: int) -> int:
    year = _pk_or_none(value)
    return year if year is not None and MIN_YEAR <= year <= 2100 else default


# -- activities --


class ActivityListView(RecordKeeperMixin, ListView):
    """My activities (those I take part in; the ones I recorded can be changed). The office
    sees every activity, or one delegate's with ``?delegate=``."""

    template_name = "delegates/activity_list.html"
    context_object_name = "activities"
    paginate_by = 30

    def get_queryset(self):
        qs = activities_visible_to(self.request.user).prefetch_related(
            Prefetch("participants", queryset=Delegate.objects.only("id", "name"))
        )
        self.for_delegate = None
        pk = _pk_or_none(self.request.GET.get("delegate"))
        if pk is not None and self.request.user.is_office:
            self.for_delegate = Delegate.objects.filter(pk=pk).first()
            if self.for_delegate is not None:
                qs = qs.filter(participants=self.for_delegate)
        return qs.order_by("-date", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for activity in context["activities"]:
            activity.editable = activity_can_edit(activity=activity, actor=user)
        context["for_delegate"] = self.for_delegate
        own = user_delegate(user)
        context["own_delegate"] = own
        context["invitations"] = (
            list(
                ActivityInvitation.objects.filter(
                    delegate=own, status=ActivityInvitation.Status.PENDING
                )
                .select_related("activity", "activity__created_by", "activity__station")
                .order_by("-activity__date")[:20]
            )
            if own is not None
            else []
        )
        return context


class ActivityInvitationAnswerView(RecordKeeperMixin, View):
    """POST: the invited delegate confirms or declines taking part in an activity."""

    def post(self, request, pk):
        own = user_delegate(request.user)
        invitation = get_object_or_404(ActivityInvitation, pk=pk, delegate=own)
        confirm = request.POST.get("answer") == "confirm"
        try:
            activity_invitation_answer(invitation=invitation, actor=request.user, confirm=confirm)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                gettext("The activity now counts in your performance file.")
                if confirm
                else gettext("You declined; the activity does not count for you."),
            )
        return redirect("delegates:activity_list")


class ActivityFormMixin:
    template_name = "delegates/activity_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        user = self.request.user
        kwargs["ask_delegate"] = user.is_office and getattr(self, "object", None) is None
        return kwargs


class ActivityCreateView(RecordKeeperMixin, ActivityFormMixin, FormView):
    form_class = ActivityForm

    def get_initial(self):
        initial = {"date": today(), "residents_contacted": 0}
        kind = self.request.GET.get("kind")
        if kind in Activity.Kind.values:
            initial["kind"] = kind
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        user = self.request.user
        delegate = data.get("delegate") or user_delegate(user)
        try:
            activity = activity_record(
                actor=user,
                delegate=delegate,
                kind=data["kind"],
                date=data["date"],
                title=data["title"],
                place=data["place"],
                station=data["station"],
                participants=data["participants"],
                residents_contacted=data["residents_contacted"],
                notes=data["notes"],
                submission_key=data.get("submission_key"),
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The activity has been recorded."))
        return redirect("delegates:activity_detail", pk=activity.pk)


class ActivityDetailView(RecordKeeperMixin, DetailView):
    """One activity, read-only (also for delegates who take part but did not record it)."""

    template_name = "delegates/activity_detail.html"
    context_object_name = "activity"

    def get_queryset(self):
        return activities_visible_to(self.request.user).prefetch_related("participants")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["editable"] = activity_can_edit(activity=self.object, actor=self.request.user)
        return context


def _editable_activity(request, pk) -> Activity:
    """An activity the user may change, else 404 (not even whether it exists)."""
    activity = get_object_or_404(activities_visible_to(request.user), pk=pk)
    if not activity_can_edit(activity=activity, actor=request.user):
        raise Http404
    return activity


class ActivityUpdateView(RecordKeeperMixin, ActivityFormMixin, FormView):
    form_class = ActivityForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and can_keep_records(request.user):
            self.object = _editable_activity(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        activity = self.object
        own = user_delegate(self.request.user)
        return {
            "kind": activity.kind,
            "date": activity.date,
            "title": activity.title,
            "place": activity.place,
            "station": activity.station,
            "participants": [p for p in activity.participants.all() if p != own],
            "residents_contacted": activity.residents_contacted,
            "notes": activity.notes,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["activity"] = self.object
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            activity_update(
                activity=self.object,
                actor=self.request.user,
                kind=data["kind"],
                date=data["date"],
                title=data["title"],
                place=data["place"],
                station=data["station"],
                participants=data["participants"],
                residents_contacted=data["residents_contacted"],
                notes=data["notes"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The activity has been changed."))
        return redirect("delegates:activity_detail", pk=self.object.pk)


class ActivityDeleteView(RecordKeeperMixin, TemplateView):
    """GET asks to confirm, POST deletes."""

    template_name = "delegates/activity_confirm_delete.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and can_keep_records(request.user):
            self.object = _editable_activity(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["activity"] = self.object
        return context

    def post(self, request, *args, **kwargs):
        activity_delete(activity=self.object, actor=request.user)
        messages.success(request, gettext("The activity has been deleted."))
        return redirect("delegates:activity_list")


# -- field diary --


class DiaryView(RecordKeeperMixin, FormView):
    """My field diary: a quick note form on top, the notes below, each one action away from
    becoming a suggestion."""

    template_name = "delegates/diary.html"
    form_class = DiaryEntryForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        entries = diary_visible_to(user).order_by("-date", "-id")
        paginator = Paginator(entries, 30)
        page = paginator.get_page(self.request.GET.get("page"))
        context.update(
            page_obj=page,
            entries=page.object_list,
            is_paginated=page.has_other_pages(),
            own_delegate=user_delegate(user),
        )
        return context

    def get_initial(self):
        return {"date": today()}

    def form_valid(self, form):
        delegate = user_delegate(self.request.user)
        if delegate is None:
            # The office reads every diary but writes notes only as a delegate would: through
            # a delegate's account.
            form.add_error(None, gettext("Only a delegate keeps a field diary."))
            return self.form_invalid(form)
        data = form.cleaned_data
        try:
            diary_entry_create(
                actor=self.request.user,
                delegate=delegate,
                text=data["text"],
                date=data["date"],
                place=data["place"],
                submission_key=data.get("submission_key"),
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("Your note has been saved."))
        return redirect("delegates:diary")


@require_POST
@login_required
def diary_delete(request, pk):
    entry = get_object_or_404(diary_visible_to(request.user), pk=pk)
    try:
        diary_entry_delete(entry=entry, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, gettext("The note has been deleted."))
    return redirect("delegates:diary")


class DiarySuggestView(RecordKeeperMixin, FormView):
    """Turn one field note into a suggestion of the loop (once)."""

    template_name = "delegates/diary_suggest.html"
    form_class = DiarySuggestionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and can_keep_records(request.user):
            self.entry = get_object_or_404(diary_visible_to(request.user), pk=kwargs["pk"])
            existing = self.entry.suggestions.first()
            if existing is not None:
                messages.info(
                    request,
                    gettext("This note is already suggestion %(code)s.")
                    % {"code": existing.formatted_code},
                )
                return redirect("delegates:diary")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["delegate"] = self.entry.delegate
        kwargs["can_take"] = user_delegate(self.request.user) == self.entry.delegate
        return kwargs

    def get_initial(self):
        text = self.entry.text
        stations = list(self.entry.delegate.stations.filter(is_active=True)[:2])
        return {
            "title": text.splitlines()[0][:100] if text else "",
            "content": text,
            "station": stations[0] if len(stations) == 1 else None,
            "take": True,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["entry"] = self.entry
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            suggestion = diary_entry_to_suggestion(
                entry=self.entry,
                actor=self.request.user,
                station=data["station"],
                category=data["category"],
                title=data["title"],
                content=data["content"],
                take=data.get("take", False),
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "already_turned":
                messages.info(self.request, " ".join(error.messages))
                return redirect("delegates:diary")
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            gettext("The note is now suggestion %(code)s in the loop.")
            % {"code": suggestion.formatted_code},
        )
        return redirect("delegates:diary")


# -- fixed contacts --


class FixedContactsView(RecordKeeperMixin, FormView):
    """The residents I keep in fixed contact with (seed 002: at least five)."""

    template_name = "delegates/contacts.html"
    form_class = FixedContactForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and can_keep_records(request.user):
            self.delegate = user_delegate(request.user)
            if self.delegate is None:
                pk = _pk_or_none(request.GET.get("delegate") or request.POST.get("delegate"))
                self.delegate = get_object_or_404(record_delegates_for(request.user), pk=pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            delegate=self.delegate,
            contacts=self.delegate.fixed_contacts.order_by("until", "-since", "pk"),
            own=user_delegate(self.request.user) == self.delegate,
        )
        return context

    def _back(self):
        url = reverse("delegates:contacts")
        if user_delegate(self.request.user) is None:
            url += f"?delegate={self.delegate.pk}"
        return redirect(url)

    def post(self, request, *args, **kwargs):
        end = _pk_or_none(request.POST.get("end"))
        if end is not None:
            contact = get_object_or_404(self.delegate.fixed_contacts, pk=end)
            fixed_contact_end(contact=contact, actor=request.user)
            messages.success(request, gettext("The contact has been ended."))
            return self._back()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            fixed_contact_add(
                actor=self.request.user,
                delegate=self.delegate,
                name=data["name"],
                place=data["place"],
                since=data["since"],
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The resident has been added."))
        return self._back()


# -- performance files --


class PerformanceListView(_NotFoundUnlessMixin, TemplateView):
    """Every delegate's file for a year: one line each, sortable and filterable, behind ones
    highlighted. A delegate goes to their own file.

    The lines are the kept files (``PerformanceFigures``), filtered, sorted and paged in SQL:
    a few queries whatever the number of delegates. Delegates without a kept file yet (new
    ones) are computed here when few, else in the background, and the page says so."""

    template_name = "delegates/performance_list.html"
    paginate_by = 50

    def allowed(self, user):
        return user.is_office or user.role == Role.STATION_STAFF or user_delegate(user) is not None

    def get(self, request, *args, **kwargs):
        own = user_delegate(request.user)
        if own is not None:
            year = _year_param(request.GET.get("year"), today().year)
            return redirect("delegates:performance_file", pk=own.pk, year=year)
        return super().get(request, *args, **kwargs)

    def build(self):
        """The filter form, the year, the delegates in scope (filtered), the kept files
        (filtered and sorted, a queryset) and the sort for this request."""
        user = self.request.user
        scope = performance_delegates_for(user)
        form = PerformanceFilterForm(self.request.GET or None, user=user)
        data = form.cleaned_data if form.is_valid() else {}
        year = data.get("year") or today().year
        qs = scope
        if data.get("level"):
            qs = qs.filter(
                Exists(current_mandates().filter(delegate=OuterRef("pk"), level=data["level"]))
            )
        if data.get("station"):
            qs = qs.filter(
                Exists(
                    StationMembership.objects.filter(
                        delegate=OuterRef("pk"), station=data["station"]
                    )
                )
            )
        if data.get("group"):
            qs = qs.filter(groups=data["group"])
        sort = data.get("sort") or "name"
        self.behind_only = data.get("status") == Status.BEHIND
        figures = figures_for_list(qs, year, behind_only=self.behind_only, sort=sort)
        return form, year, qs, figures, sort

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, year, delegates, figures, sort = self.build()
        tally = figures_tally(delegates, year, fill=True)
        # The lines listed: the kept files (any still being computed are announced apart).
        total = tally["behind"] if self.behind_only else tally["with_figures"]
        paginator = Paginator(figures.values_list("pk", flat=True), self.paginate_by)
        paginator.count = total  # known from the tally: no second COUNT
        page = paginator.get_page(self.request.GET.get("page"))
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("sort", None)
        context.update(
            form=form,
            year=year,
            page_obj=page,
            rows=figures_rows(figures, list(page.object_list)),
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            total=total,
            behind_total=tally["behind"],
            pending=tally["pending"],
            as_of=tally["as_of"],
            sort=sort,
            columns=sort_columns(sort),
            base_query=params.urlencode(),
            export_query=self.request.GET.urlencode(),
            metrics=[LABELS[code] for code in DELEGATE_METRICS],
        )
        return context


def sort_columns(sort: str) -> list[dict]:
    """The sortable headers: the link of each toggles its order; ``aria-sort`` for the current."""
    columns = [{"key": "name", "label": gettext("Delegate")}]
    columns += [{"key": code, "label": LABELS[code]} for code in DELEGATE_METRICS]
    for column in columns:
        if sort == column["key"]:
            column["aria_sort"] = "ascending"
            column["next"] = "-" + column["key"]
        elif sort == "-" + column["key"]:
            column["aria_sort"] = "descending"
            column["next"] = column["key"]
        else:
            column["aria_sort"] = ""
            column["next"] = column["key"]
    return columns


class PerformanceExportView(PerformanceListView):
    """The list as filtered, as an Excel file; audited with its row count."""

    def allowed(self, user):
        return user.is_office or user.role == Role.STATION_STAFF

    def get(self, request, *args, **kwargs):
        _form, year, delegates, figures, _sort = self.build()
        tally = figures_tally(delegates, year, fill=True)
        count = tally["behind"] if self.behind_only else tally["with_figures"]
        # The kept files read in chunks and written as they come (delegates.exports).
        line = performance_liner()
        lines = (line(*parts) for parts in figures_export_lines(figures))
        content = performance_xlsx(lines=lines, year=year, exporter=request.user)
        audit_record(
            action="performance.export",
            request=request,
            object_type="delegates.performance",
            object_id=str(year),
            detail={"rows": count, "year": year, "filters": request.GET.dict()},
        )
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        filename = f"performance-{year}-{today():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class PerformanceFileView(_NotFoundUnlessMixin, TemplateView):
    """One delegate's file for a year: each target, the count, the status, and below it the
    activities, reception days, suggestions, contacts and report each count comes from."""

    template_name = "delegates/performance_file.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        delegate = get_object_or_404(performance_delegates_for(user), pk=self.kwargs["pk"])
        year = self.kwargs["year"]
        if not MIN_YEAR <= year <= 2100:
            raise Http404
        row = performance_of(delegate, year)
        activities = list(file_activities(delegate=delegate, year=year))
        by_kind = {}
        for activity in activities:
            by_kind.setdefault(activity.kind, []).append(activity)
        suggestions = list(file_suggestions(delegate=delegate, year=year))
        for suggestion in suggestions:
            suggestion.counts_as = suggestion_counts_as(suggestion, year)
        context.update(
            delegate=delegate,
            year=year,
            row=row,
            level_labels=[Level(level).label for level in row.levels],
            activities=activities,
            visits=by_kind.get(Activity.Kind.VISIT, []),
            constituency=by_kind.get(Activity.Kind.CONSTITUENCY, []),
            receptions=by_kind.get(Activity.Kind.RECEPTION, []),
            duties=list(file_station_duties(delegate=delegate, year=year)),
            suggestions=suggestions,
            contacts=delegate.fixed_contacts.filter(since__year__lte=year).filter(
                Q(until__isnull=True) | Q(until__year__gte=year)
            ),
            report=AnnualReport.objects.filter(delegate=delegate, year=year).first(),
            is_office=user.is_office,
            is_own=user_delegate(user) == delegate,
            # Activities open for the office and their delegate; station staff read the file only.
            can_open_activities=user.is_office or user_delegate(user) == delegate,
            years=list(range(today().year, today().year - 4, -1)),
        )
        return context


class AnnualReportView(OfficeMixin, FormView):
    """述职评议: the office records a delegate's annual report and the voters' vote totals."""

    template_name = "delegates/annual_report_form.html"
    form_class = AnnualReportForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.is_office:
            self.delegate = get_object_or_404(Delegate, pk=kwargs["pk"])
            self.year = kwargs["year"]
            if not MIN_YEAR <= self.year <= 2100:
                raise Http404
            self.report = AnnualReport.objects.filter(
                delegate=self.delegate, year=self.year
            ).first()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["year"] = self.year
        return kwargs

    def get_initial(self):
        report = self.report
        if report is None:
            return {"satisfied": 0, "basically_satisfied": 0, "unsatisfied": 0}
        return {
            "date": report.date,
            "place": report.place,
            "summary": report.summary,
            "satisfied": report.satisfied,
            "basically_satisfied": report.basically_satisfied,
            "unsatisfied": report.unsatisfied,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(delegate=self.delegate, year=self.year, report=self.report)
        return context

    def form_valid(self, form):
        try:
            annual_report_save(
                actor=self.request.user, delegate=self.delegate, year=self.year, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("The annual report has been recorded."))
        return redirect("delegates:performance_file", pk=self.delegate.pk, year=self.year)


class TargetsView(OfficeMixin, FormView):
    """A year's targets: for all levels, or a level's own (empty = the general one applies)."""

    template_name = "delegates/targets_form.html"
    form_class = TargetsForm

    def dispatch(self, request, *args, **kwargs):
        self.year = kwargs["year"]
        if not MIN_YEAR <= self.year <= 2100:
            raise Http404
        level = request.GET.get("level") or request.POST.get("level") or ""
        self.level = level if level in Level.values else ""
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["level"] = self.level
        return kwargs

    def get_initial(self):
        table = targets_for_year(self.year)
        if self.level:
            return dict(table.get(self.level, {}))
        return dict(table[""])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        table = targets_for_year(self.year)
        context.update(
            year=self.year,
            level=self.level,
            level_label=Level(self.level).label if self.level else "",
            levels=Level.choices,
            overrides={
                Level(level).label: [
                    (LABELS.get(metric) or YearlyTarget.Metric(metric).label, value)
                    for metric, value in values.items()
                ]
                for level, values in table.items()
                if level and values
            },
            years=list(range(today().year + 1, today().year - 3, -1)),
        )
        return context

    def form_valid(self, form):
        changed = yearly_targets_set(
            actor=self.request.user, year=self.year, level=self.level, values=form.cleaned_data
        )
        if changed:
            messages.success(self.request, gettext("The targets have been saved."))
        else:
            messages.info(self.request, gettext("Nothing was changed."))
        url = reverse("delegates:targets", args=[self.year])
        if self.level:
            url += f"?level={self.level}"
        return redirect(url)


class MyPerformanceView(_NotFoundUnlessMixin, View):
    """``/delegates/performance/mine/``: a delegate's own file this year."""

    def allowed(self, user):
        return user_delegate(user) is not None

    def get(self, request):
        return redirect(
            "delegates:performance_file", pk=user_delegate(request.user).pk, year=today().year
        )
