import datetime
import io

import segno
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView

from accounts.models import Role
from congress_portal.clock import today
from congress_portal.forms import add_service_error
from congress_portal.public_urls import public_url
from delegates.models import Delegate
from meetings.selectors import station_ballot_results

from . import services
from .filters import StationFilter
from .forms import (
    CalendarPeriodForm,
    CalendarRemoveForm,
    CancelForm,
    DutyForm,
    GenerateForm,
    IssueFormSet,
    LogForm,
    ReceptionDayForm,
    ReceptionRuleForm,
    RuleDeleteForm,
)
from .ical import reception_calendar
from .selectors import (
    area_children,
    area_station_counts,
    area_trail,
    areas_matching,
    calendar_year_periods,
    delegate_duty_days,
    duty_rotation_table,
    feed_days,
    group_calendar_days,
    managed_day_or_404,
    managed_rule_or_404,
    managed_station_or_404,
    station_all_rules,
    station_children,
    station_log_days,
    station_memberships,
    station_month_days,
    station_public_list,
    station_recent_meetings,
    station_rollup_figures,
    station_rules,
    station_schedule_days,
    station_tree,
    station_upcoming_days,
    station_year_days,
    stations_managed_by,
    with_next_reception_day,
)
from .workdays import WorkCalendar


def _provisional_years(days, extra_years=()) -> list[int]:
    """The years among ``days`` (and ``extra_years``) whose official holiday schedule is not
    known yet, in order."""
    work = WorkCalendar()
    years = {day.date.year for day in days} | set(extra_years)
    return sorted(year for year in years if work.is_provisional(year))


def suggest_url(station, *, request=None) -> str:
    """The absolute address residents use to submit a suggestion to ``station``."""
    return public_url(reverse("suggestions:new") + f"?station={station.pk}", request=request)


# --- public -----------------------------------------------------------------------------------


# Past this many rows a page is fetched in two steps (ids, then rows).
DEEP_OFFSET = 200


class _KnownCountPaginator(Paginator):
    """A paginator told its count (from the area counts) instead of running COUNT(*)."""

    def __init__(self, *args, known_count=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.known_count = known_count

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        return super().count


class StationListView(ListView):
    """The station finder: drill down from the province to a street by area (each child area
    with its number of stations), or search by name, address or area; 20 stations a page,
    each with its next reception day.

    A constant handful of queries whatever the number of stations: the area and its trail,
    its child areas, the cached counts per area, one page of stations (and their COUNT when
    searching: browsing an area takes the count from the area counts).
    """

    template_name = "stations/station_list.html"
    context_object_name = "stations"
    paginate_by = 20

    def get_queryset(self):
        self.filterset = StationFilter(
            self.request.GET or None,
            queryset=with_next_reception_day(station_public_list().order_by("name")),
        )
        cleaned = {}
        if self.filterset.is_bound:
            self.filterset.form.is_valid()
            cleaned = self.filterset.form.cleaned_data
        self.query = (cleaned.get("q") or "").strip()
        self.kind = cleaned.get("kind") or ""
        self.area = cleaned.get("area")
        self.counts = area_station_counts()
        self.roots = None
        queryset = self.filterset.qs
        if self.area is None:
            roots = list(area_children(None))
            if len(roots) == 1:
                # One province (the usual case): start inside it, not on a page of one link.
                # Every station is in it: no area condition, the name index gives the order.
                self.area = roots[0]
            else:
                self.roots = roots
        return queryset

    def paginate_queryset(self, queryset, page_size):
        browsing = not self.query and not self.kind
        if browsing:
            known = (
                self.counts.get(self.area.pk, 0)
                if self.area is not None
                else sum(self.counts.get(root.pk, 0) for root in self.roots or [])
            )
        else:
            known = None
        paginator = _KnownCountPaginator(queryset, page_size, known_count=known)
        # A page number out of range or not a number shows the nearest page, not a 404.
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        if page.start_index() > DEEP_OFFSET:
            # Deep: the page's ids first, over narrow rows (an OFFSET must not join and
            # annotate every row it skips), then those 20 stations in full.
            offset = page.start_index() - 1
            ids = list(queryset.values_list("pk", flat=True)[offset : offset + page_size])
            by_id = {station.pk: station for station in queryset.filter(pk__in=ids)}
            page.object_list = [by_id[pk] for pk in ids if pk in by_id]
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        area = self.area
        children = self.roots if self.roots is not None else list(area_children(area))
        child_areas = [
            (child, self.counts[child.pk]) for child in children if self.counts.get(child.pk)
        ]
        context.update(
            filter=self.filterset,
            # Echo only what validated: a NUL byte or an oversized string is not written back.
            query=self.query,
            kind=self.kind,
            area=area,
            trail=area_trail(area),
            child_areas=child_areas,
            matching_areas=areas_matching(self.query, area=area) if self.query else [],
            station_count=context["paginator"].count,
            is_search=bool(self.query or self.kind),
        )
        return context


class StationDetailView(DetailView):
    """A station's public page: where, when, who is stationed there, the next reception days
    and the whole year's calendar of them."""

    template_name = "stations/station_detail.html"
    context_object_name = "station"

    def get_queryset(self):
        return station_public_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station = self.object
        upcoming = list(station_upcoming_days(station=station))
        year_days = list(station_year_days(station=station, year=today().year))
        context.update(
            children=station_children(station=station),
            memberships=station_memberships(station=station),
            upcoming_days=upcoming,
            year_days=year_days,
            provisional_years=_provisional_years(upcoming + year_days),
            rules=station_rules(station=station),
            meetings=station_recent_meetings(station=station),
            figures=station_rollup_figures(station=station),
            ballot_results=station_ballot_results(station),
            today=today(),
        )
        return context


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


def station_calendar(request, pk):
    """The iCalendar feed of one station's reception days."""
    station = get_object_or_404(station_public_list(), pk=pk)
    body = reception_calendar(
        feed_days(station=station),
        name=gettext("Reception days: %(station)s") % {"station": station.name},
        request=request,
    )
    return _calendar_response(body, f"station-{station.pk}.ics")


def all_stations_calendar(request):
    """The iCalendar feed of every active station's reception days."""
    body = reception_calendar(
        feed_days(), name=gettext("Reception days of all stations"), request=request
    )
    return _calendar_response(body, "reception-days.ics")


class BulletinView(DetailView):
    """The station's printable bulletin (公示栏): one A4 page for the wall."""

    template_name = "stations/station_bulletin.html"
    context_object_name = "station"

    def get_queryset(self):
        return station_public_list()

    def month(self) -> datetime.date:
        raw = self.request.GET.get("month", "")
        try:
            year, month = (int(part) for part in raw.split("-"))
            first = datetime.date(year, month, 1)
        except (TypeError, ValueError):
            return today().replace(day=1)
        if not 2000 <= first.year <= 2100:
            return today().replace(day=1)
        return first

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station = self.object
        month = self.month()
        days = list(station_month_days(station=station, year=month.year, month=month.month))
        context.update(
            month=month,
            prev_month=(month - datetime.timedelta(days=1)).replace(day=1),
            next_month=(month + datetime.timedelta(days=32)).replace(day=1),
            days=days,
            provisional_years=_provisional_years(days),
            memberships=station_memberships(station=station),
            staff_names=[
                user.display_name
                for user in station.staff.filter(is_active=True).order_by("full_name", "username")
            ],
            suggest_url=suggest_url(station, request=self.request),
            today=today(),
        )
        return context


def bulletin_qr(request, pk):
    """An SVG QR code of the station's suggestion address, for the printed bulletin."""
    station = get_object_or_404(station_public_list(), pk=pk)
    buffer = io.BytesIO()
    segno.make(suggest_url(station, request=request), error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, title=station.name
    )
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- station staff ----------------------------------------------------------------------------


class ManagedStationListView(LoginRequiredMixin, TemplateView):
    """The stations whose schedule the user keeps (404 for roles that keep none)."""

    template_name = "stations/manage_list.html"

    def get_context_data(self, **kwargs):
        stations = list(stations_managed_by(self.request.user).order_by("name"))
        if not stations and not self.request.user.is_office:
            raise Http404
        context = super().get_context_data(**kwargs)
        context["stations"] = station_tree(stations)
        context["today"] = today()
        return context


class StationScheduleView(LoginRequiredMixin, TemplateView):
    """A station's rules and its upcoming and past reception days, for its staff."""

    template_name = "stations/schedule.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station = managed_station_or_404(self.request.user, kwargs["pk"])
        upcoming = list(station_schedule_days(station=station, upcoming=True))
        past = list(station_schedule_days(station=station, upcoming=False, limit=12))
        this_year = today().year
        context.update(
            station=station,
            rules=station_all_rules(station=station),
            upcoming_days=upcoming,
            past_days=past,
            provisional_years=_provisional_years(upcoming + past, (this_year, this_year + 1)),
            today=today(),
        )
        return context


class _FormPage(LoginRequiredMixin, View):
    """GET shows the form, POST validates and calls one service; errors keep the input."""

    template_name = ""

    def render(self, context):
        return render(self.request, self.template_name, context)


class RuleCreateView(_FormPage):
    template_name = "stations/rule_form.html"

    def get(self, request, pk):
        station = managed_station_or_404(request.user, pk)
        return self.render({"station": station, "form": ReceptionRuleForm()})

    def post(self, request, pk):
        station = managed_station_or_404(request.user, pk)
        form = ReceptionRuleForm(request.POST)
        if form.is_valid():
            try:
                rule = services.reception_rule_create(
                    station=station, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext("The rule is saved. Now generate the reception days it gives."),
                )
                return redirect("stations:rule_generate", pk=rule.pk)
        return self.render({"station": station, "form": form})


class RuleEditView(_FormPage):
    template_name = "stations/rule_form.html"

    def get(self, request, pk):
        rule = managed_rule_or_404(request.user, pk)
        form = ReceptionRuleForm(initial=ReceptionRuleForm.initial_for(rule))
        return self.render({"station": rule.station, "rule": rule, "form": form})

    def post(self, request, pk):
        rule = managed_rule_or_404(request.user, pk)
        form = ReceptionRuleForm(request.POST)
        if form.is_valid():
            try:
                services.reception_rule_update(rule=rule, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "The rule is saved. Days already in the schedule are unchanged: "
                        "generate again to apply it."
                    ),
                )
                return redirect("stations:schedule", pk=rule.station_id)
        return self.render({"station": rule.station, "rule": rule, "form": form})


class RuleDeleteView(_FormPage):
    template_name = "stations/rule_delete.html"

    def get(self, request, pk):
        rule = managed_rule_or_404(request.user, pk)
        return self.render({"station": rule.station, "rule": rule, "form": RuleDeleteForm()})

    def post(self, request, pk):
        rule = managed_rule_or_404(request.user, pk)
        form = RuleDeleteForm(request.POST)
        form.is_valid()
        removed = services.reception_rule_delete(
            rule=rule,
            actor=request.user,
            remove_upcoming=form.cleaned_data.get("remove_upcoming", False),
        )
        messages.success(
            request,
            gettext("The rule is deleted; %(n)d upcoming days were removed.") % {"n": removed},
        )
        return redirect("stations:schedule", pk=rule.station_id)


class RuleGenerateView(_FormPage):
    template_name = "stations/rule_generate.html"

    def initial(self):
        start = today()
        end = datetime.date(start.year, 12, 31)
        if (end - start).days < 60:
            end = datetime.date(start.year + 1, 12, 31)
        return {"start": start, "end": end}

    def context(self, rule, form):
        return {
            "station": rule.station,
            "rule": rule,
            "form": form,
            "provisional_years": _provisional_years([], (today().year, today().year + 1)),
        }

    def get(self, request, pk):
        rule = managed_rule_or_404(request.user, pk)
        return self.render(self.context(rule, GenerateForm(initial=self.initial())))

    def post(self, request, pk):
        rule = managed_rule_or_404(request.user, pk)
        form = GenerateForm(request.POST)
        if form.is_valid():
            try:
                created = services.reception_days_generate(
                    rule=rule, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "%(n)d reception days were added. Days already in the schedule were "
                        "left as they are."
                    )
                    % {"n": len(created)},
                )
                return redirect("stations:schedule", pk=rule.station_id)
        return self.render(self.context(rule, form))


def _theme_options():
    from suggestions.models import Category

    return Category.objects.filter(is_active=True).values_list("name", flat=True)


class DayEditView(_FormPage):
    template_name = "stations/day_edit.html"

    def context(self, day, form, cancel_form):
        return {
            "station": day.station,
            "day": day,
            "form": form,
            "cancel_form": cancel_form,
            "theme_options": _theme_options(),
            "provisional_years": _provisional_years([day]),
        }

    def get(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        form = ReceptionDayForm(
            initial={
                "date": day.date,
                "start_time": day.start_time,
                "end_time": day.end_time,
                "theme": day.theme,
                "announcement": day.announcement,
                "leader_name": day.leader_name,
                "version": day.version,
            }
        )
        cancel_form = CancelForm(initial={"version": day.version})
        return self.render(self.context(day, form, cancel_form))

    def post(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        form = ReceptionDayForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.reception_day_update(
                    day=day, actor=request.user, expected_version=version, **data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The reception day is saved."))
                return redirect("stations:schedule", pk=day.station_id)
        cancel_form = CancelForm(initial={"version": day.version})
        return self.render(self.context(day, form, cancel_form))


class DayCancelView(DayEditView):
    def get(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        return redirect("stations:day_edit", pk=day.pk)

    def post(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        cancel_form = CancelForm(request.POST)
        if cancel_form.is_valid():
            try:
                services.reception_day_cancel(
                    day=day,
                    actor=request.user,
                    reason=cancel_form.cleaned_data["cancel_reason"],
                    expected_version=cancel_form.cleaned_data["version"],
                )
            except ValidationError as error:
                add_service_error(cancel_form, error)
            else:
                messages.success(
                    request,
                    gettext("The reception day is cancelled; the reason is shown publicly."),
                )
                return redirect("stations:schedule", pk=day.station_id)
        form = ReceptionDayForm(
            initial={
                "date": day.date,
                "start_time": day.start_time,
                "end_time": day.end_time,
                "theme": day.theme,
                "announcement": day.announcement,
                "leader_name": day.leader_name,
                "version": day.version,
            }
        )
        return self.render(self.context(day, form, cancel_form))


def _stationed(station):
    return Delegate.objects.filter(memberships__station=station, is_active=True).order_by(
        "name_pinyin", "name"
    )


class DutyView(_FormPage):
    """Choose the duty delegates and the leader of one day, or accept the fair rotation."""

    template_name = "stations/day_duty.html"

    def context(self, day, form):
        return {
            "station": day.station,
            "day": day,
            "form": form,
            "rotation": duty_rotation_table(day=day),
        }

    def get(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        form = DutyForm(
            station=day.station,
            initial={
                "delegates": [duty.delegate_id for duty in day.duties.all()],
                "leader_name": day.leader_name,
                "version": day.version,
            },
        )
        return self.render(self.context(day, form))

    def post(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        form = DutyForm(request.POST, station=day.station)
        if form.is_valid():
            try:
                services.reception_day_set_duty(
                    day=day,
                    actor=request.user,
                    delegates=form.cleaned_data["delegates"],
                    leader_name=form.cleaned_data["leader_name"],
                    expected_version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, gettext("The duty roster is saved."))
                return redirect("stations:schedule", pk=day.station_id)
        return self.render(self.context(day, form))


class DutyAcceptView(LoginRequiredMixin, View):
    """One click: put the suggested rotation on duty."""

    def post(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = None
        try:
            services.reception_day_accept_rotation(
                day=day, actor=request.user, expected_version=version
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("stations:day_duty", pk=day.pk)
        messages.success(request, gettext("The suggested delegates are on duty."))
        return redirect("stations:schedule", pk=day.station_id)


class DayLogView(_FormPage):
    """Log a reception day: who came, how many residents, notes, and the issues raised."""

    template_name = "stations/day_log.html"

    def forms(self, day, data=None):
        duty_delegates = (
            _stationed(day.station)
            .model.objects.filter(duties__reception_day=day)
            .order_by("name_pinyin", "name")
        )
        initial = {"version": day.version}
        if day.logged_at:
            initial.update(
                visitors=day.visitors,
                notes=day.log_notes,
                attended=[duty.delegate_id for duty in day.duties.all() if duty.attended],
            )
        else:
            initial["attended"] = [duty.delegate_id for duty in day.duties.all()]
        form = LogForm(data, duty_delegates=duty_delegates, initial=initial)
        formset = IssueFormSet(data, prefix="issue")
        return form, formset

    def context(self, day, form, formset):
        return {
            "station": day.station,
            "day": day,
            "form": form,
            "formset": formset,
            "existing": day.suggestions.select_related("category").order_by("submitted_at"),
        }

    def get(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        form, formset = self.forms(day)
        return self.render(self.context(day, form, formset))

    def post(self, request, pk):
        day = managed_day_or_404(request.user, pk)
        form, formset = self.forms(day, request.POST)
        if form.is_valid() and formset.is_valid():
            issues = [
                issue.cleaned_data
                for issue in formset
                if issue.has_changed() and issue.cleaned_data
            ]
            try:
                with transaction.atomic():
                    logged = services.reception_day_log(
                        day=day,
                        actor=request.user,
                        visitors=form.cleaned_data["visitors"],
                        attended=form.cleaned_data["attended"],
                        notes=form.cleaned_data["notes"],
                        issues=issues,
                        submission_key=form.cleaned_data["submission_key"],
                        expected_version=form.cleaned_data["version"],
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "The reception day is logged; %(n)d issues were entered as suggestions."
                    )
                    % {"n": len(logged.new_suggestions)},
                )
                return redirect(reverse("stations:day_log", args=[day.pk]) + "#issues-entered")
        return self.render(self.context(day, form, formset))


class LedgerView(LoginRequiredMixin, TemplateView):
    """The station's reception ledger (接待记录): every logged day with its figures."""

    template_name = "stations/ledger.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station = managed_station_or_404(self.request.user, kwargs["pk"])
        days = list(station_log_days(station=station))
        context.update(
            station=station,
            days=days,
            total_visitors=sum(day.visitors or 0 for day in days),
            total_suggestions=sum(day.suggestion_count for day in days),
        )
        return context


class MyDutyDaysView(LoginRequiredMixin, TemplateView):
    """A delegate's own duty days, upcoming and past."""

    template_name = "stations/my_duty_days.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        delegate = getattr(user, "delegate", None) if user.role == Role.DELEGATE else None
        if delegate is None:
            raise Http404
        context = super().get_context_data(**kwargs)
        context.update(
            delegate=delegate,
            upcoming=delegate_duty_days(delegate=delegate, upcoming=True),
            past=delegate_duty_days(delegate=delegate, upcoming=False),
            today=today(),
        )
        return context


# --- the official holiday calendar (office) ---------------------------------------------------


class _OfficeOnly(LoginRequiredMixin):
    """Office accounts only; anyone else logged in gets a 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _calendar_year_or_404(year: int) -> int:
    if not services.CALENDAR_FIRST_YEAR <= year <= services.CALENDAR_LAST_YEAR:
        raise Http404
    return year


def calendar_current(request):
    """The holiday calendar of next year: the one the office has to enter."""
    return redirect("stations:calendar_year", year=today().year + 1)


class CalendarYearView(_OfficeOnly, View):
    """The year's official holidays and make-up working days (调休): fill them from the
    chinesecalendar package when it knows the year, or enter them holiday by holiday from the
    State Council's notice; then mark the year official. Reception days the holidays postpone
    move (services.calendar_period_add)."""

    template_name = "stations/calendar_year.html"

    def context(self, year, form):
        from .models import CalendarYear
        from .workdays import PACKAGE_YEARS

        calendar_year = CalendarYear.objects.filter(year=year).first()
        periods = calendar_year_periods(year)
        in_package = year in PACKAGE_YEARS
        # Not copied yet: show what the package holds, which the portal follows anyway.
        package_periods = (
            group_calendar_days(services.package_calendar_days(year))
            if in_package and not periods
            else []
        )
        return {
            "year": year,
            "calendar_year": calendar_year,
            "is_official": bool(calendar_year and calendar_year.is_official),
            "is_provisional": not in_package and not (calendar_year and calendar_year.is_official),
            "in_package": in_package,
            "package_first": min(PACKAGE_YEARS),
            "package_last": max(PACKAGE_YEARS),
            "periods": periods,
            "package_periods": package_periods,
            "holiday_count": sum(len(period["holidays"]) for period in periods),
            "workday_count": sum(len(period["workdays"]) for period in periods),
            "form": form,
            "previous_year": year - 1 if year > services.CALENDAR_FIRST_YEAR else None,
            "next_year": year + 1 if year < services.CALENDAR_LAST_YEAR else None,
        }

    def get(self, request, year):
        year = _calendar_year_or_404(year)
        return render(
            request, self.template_name, self.context(year, CalendarPeriodForm(year=year))
        )

    def post(self, request, year):
        """Add one holiday; errors re-show the form with what was typed."""
        year = _calendar_year_or_404(year)
        form = CalendarPeriodForm(request.POST, year=year)
        if form.is_valid():
            try:
                result = services.calendar_period_add(
                    year=year, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _calendar_message(gettext("The holiday is entered."), result)
                )
                return redirect("stations:calendar_year", year=year)
        return render(request, self.template_name, self.context(year, form), status=200)


def _calendar_message(first: str, result: dict) -> str:
    if not result.get("moved") and not result.get("cancelled"):
        return first
    return (
        first
        + " "
        + gettext(
            "Reception days moved to the next working day: %(moved)d; cancelled because the "
            "station already receives that day: %(cancelled)d."
        )
        % {"moved": result["moved"], "cancelled": result["cancelled"]}
    )


class _CalendarAction(_OfficeOnly, View):
    """A button of the calendar page: POST only, one service, back to the page."""

    http_method_names = ["post"]

    def act(self, request, year) -> str:
        raise NotImplementedError

    def post(self, request, year):
        year = _calendar_year_or_404(year)
        try:
            message = self.act(request, year)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, message)
        return redirect("stations:calendar_year", year=year)


class CalendarFillView(_CalendarAction):
    def act(self, request, year):
        result = services.calendar_year_fill_from_package(year=year, actor=request.user)
        return _calendar_message(
            gettext("%(n)d days were copied from the chinesecalendar package.")
            % {"n": result["days"]},
            result,
        )


class CalendarRemoveView(_CalendarAction):
    def act(self, request, year):
        form = CalendarRemoveForm(request.POST)
        if not form.is_valid():
            raise ValidationError(gettext("That holiday is not in the schedule."))
        result = services.calendar_period_remove(
            year=year, name=form.cleaned_data["name"], actor=request.user
        )
        return _calendar_message(gettext("The holiday is removed."), result)


class CalendarOfficialView(_CalendarAction):
    def act(self, request, year):
        services.calendar_year_mark_official(year=year, actor=request.user)
        return gettext(
            "%(year)d is marked official: its reception days are no longer provisional."
        ) % {"year": year}
