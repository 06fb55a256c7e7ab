"""Excel ledgers (台账): suggestions, reception logs, activities, performance files.

Each export is scoped to the user like the screen it comes from, takes that screen's GET
filters, masks residents' phone numbers unless an office user holds ``accounts.reveal_phone``,
ends with who exported it, when and with which filters, and is audited with its row count.
The workbook is in Chinese whatever the interface language: a ledger is an official record.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from accounts.models import Role
from accounts.services import audit_record
from congress_portal.clock import now, today
from congress_portal.masking import mask_name, mask_phone
from congress_portal.pickers import PickerChoiceField, PickerSelect
from delegates.models import Activity, Delegate
from stations.models import DutyAssignment, ReceptionDay, Region
from stations.selectors import in_area
from suggestions.models import Channel, State, Suggestion
from suggestions.selectors import station_ids_in_scope, suggestions_visible_to

from .public import redact_phones
from .xlsx import Column, write_ledger

LEDGER_LANGUAGE = "zh-hans"
CHUNK = 1000
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class BadFilters(Exception):
    def __init__(self, errors):
        super().__init__("bad filters")
        self.errors = errors


# --- who may export what ----------------------------------------------------------------------


def can_reveal(user) -> bool:
    return user.is_office and user.has_perm("accounts.reveal_phone")


def _stations_for(user):
    """Stations whose ledgers ``user`` keeps: None for all (office)."""
    if user.is_office:
        return None
    if user.role in (Role.STATION_STAFF, Role.DELEGATE):
        return station_ids_in_scope(user)
    raise Http404("no ledger for this role")


# --- filters ------------------------------------------------------------------------------------


class DatedFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_INPUT)
    # The stations whose ledgers the user keeps (_stations_for): a searching picker.
    station = PickerChoiceField(
        "kept_stations",
        label=_("Station"),
        required=False,
        empty_label=_("All my stations"),
        widget=PickerSelect(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].scope(user)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError(gettext("The start date is after the end date."))
        return data


class ActivityFilterForm(DatedFilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All kinds")), *Activity.Kind.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class PerformanceFilterForm(forms.Form):
    year = forms.TypedChoiceField(
        label=_("Year"),
        coerce=int,
        choices=(),
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    station = PickerChoiceField(
        "kept_stations",
        label=_("Station"),
        required=False,
        empty_label=_("All my stations"),
        widget=PickerSelect(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = today().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, this_year - 6, -1)]
        self.fields["station"].scope(user)


def _bound(form_class, request):
    form = form_class(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        raise BadFilters(form.errors)
    return form.cleaned_data if form.is_bound else {}


def _described(request, names: dict) -> str:
    """The filters applied, as the footer and the audit log say them (phones masked)."""
    parts = []
    for key, value in request.GET.lists():
        if key in ("page", "tab") or not any(value):
            continue
        label = names.get(key, key)
        shown = ", ".join(redact_phones(v)[:60] for v in value if v)
        parts.append(f"{label}={shown}")
    return "; ".join(parts) or gettext("none")


def _footer(request, filters: str):
    def lines(count):
        return [
            gettext("Exported by %(user)s (%(role)s) at %(time)s; %(count)s records.")
            % {
                "user": request.user.display_name,
                "role": request.user.get_role_display() or "—",
                "time": _local_now(),
                "count": count,
            },
            gettext("Filters: %(filters)s") % {"filters": filters},
        ]

    return lines


def _local_now() -> str:
    return f"{timezone.localtime(now()):%Y-%m-%d %H:%M}"


def _respond(request, *, kind, filename, title, columns, rows, filters, detail=None):
    stream, count = write_ledger(
        title=title, columns=columns, rows=rows, footer=_footer(request, filters)
    )
    audit_record(
        action="ledger.export",
        request=request,
        object_type="ledger",
        object_id=kind,
        detail={"rows": count, "filters": filters, **(detail or {})},
    )
    stamp = f"{today():%Y%m%d}"
    return FileResponse(
        stream,
        as_attachment=True,
        filename=f"{filename}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _bad_filters(request, errors):
    for field, messages_ in errors.items():
        for message in messages_:
            messages.error(request, message if field == "__all__" else f"{field}: {message}")
    return redirect("dashboard:ledgers")


# --- 建议办理台账 ------------------------------------------------------------------------------


def _suggestion_queryset(request):
    """The user's suggestions narrowed by the desk list's filters (its own FilterSet)."""
    user = request.user
    scope = suggestions_visible_to(user)
    params = request.GET.copy()
    region = params.pop("region", [""])[-1]
    if region:
        if not region.isdigit() or len(region) > 18 or user.role == Role.UNIT_STAFF:
            raise Http404("bad area")
        scope = scope.filter(in_area(_area_or_404(region)))
    from suggestions.filters import SuggestionFilter

    # The desk list's own filter, its pickers scoped to the request's user like the desk's.
    filterset = SuggestionFilter(params, queryset=scope, request=request)
    if not filterset.is_valid():
        raise BadFilters(filterset.errors)
    return filterset.qs


SUGGESTION_FILTER_NAMES = {
    "q": _("search"),
    "state": _("status"),
    "category": _("category"),
    "station": _("station"),
    "region": _("area"),
    "channel": _("channel"),
    "unit": _("handling unit"),
    "delegate": _("delegate"),
    "submitted_after": _("submitted from"),
    "submitted_before": _("submitted until"),
    "overdue": _("overdue only"),
    "reopened": _("reopened only"),
}


@login_required
@require_GET
def suggestion_ledger(request):
    """建议办理台账: one row per suggestion the user may see, with the desk list's filters."""
    user = request.user
    try:
        qs = _suggestion_queryset(request)
    except BadFilters as error:
        return _bad_filters(request, error.errors)
    reveal = can_reveal(user)
    is_unit = user.role == Role.UNIT_STAFF and not user.is_office
    qs = qs.select_related("category", "station", "delegate", "handling_unit").order_by(
        "submitted_at", "pk"
    )
    today_ = today()
    with translation.override(LEDGER_LANGUAGE):
        states, channels = dict(State.choices), dict(Channel.choices)
        outcomes = dict(Suggestion._meta.get_field("outcome").choices)
        feedback = dict(Suggestion._meta.get_field("feedback_channel").choices)
        ratings = dict(Suggestion._meta.get_field("rating").choices)
        yes, no = gettext("yes"), gettext("no")

        def text(value):
            return value if reveal else redact_phones(value)

        def phone(value):
            if is_unit or not value:
                return ""
            return value if reveal else mask_phone(value)

        def name(value):
            return mask_name(value) if is_unit else value

        def rows():
            for number, s in enumerate(qs.iterator(chunk_size=CHUNK), start=1):
                overdue = s.state in (State.DISPATCHED, State.IN_PROGRESS) and bool(
                    s.deadline and s.deadline < today_
                )
                yield [
                    number,
                    s.tracking_code,
                    text(s.title),
                    text(s.content),
                    s.category.name,
                    s.station.name,
                    str(channels.get(s.channel, s.channel)),
                    name(s.submitter_name),
                    phone(s.submitter_phone),
                    "" if is_unit else text(s.address),
                    s.submitted_at,
                    str(states.get(s.state, s.state)),
                    s.delegate.name if s.delegate_id else "",
                    s.accepted_at,
                    str(outcomes.get(s.outcome, "")),
                    s.handling_unit.name if s.handling_unit_id else "",
                    s.dispatched_at,
                    s.deadline,
                    yes if overdue else no,
                    s.unit_replied_at,
                    s.replied_at,
                    text(s.reply),
                    str(feedback.get(s.feedback_channel, "")),
                    str(ratings.get(s.rating, "")),
                    s.reopen_count,
                    s.closed_at,
                ]

        columns = [
            Column(gettext("No."), 6),
            Column(gettext("Tracking code"), 14),
            Column(gettext("Title"), 28, wrap=True),
            Column(gettext("Details"), 48, wrap=True),
            Column(gettext("Category"), 12),
            Column(gettext("Station"), 20),
            Column(gettext("Channel"), 10),
            Column(gettext("Resident's name"), 10),
            Column(gettext("Phone"), 14),
            Column(gettext("Address"), 24, wrap=True),
            Column(gettext("Submitted"), 17),
            Column(gettext("Status"), 10),
            Column(gettext("Delegate"), 10),
            Column(gettext("Taken"), 17),
            Column(gettext("Outcome"), 14),
            Column(gettext("Handling unit"), 20),
            Column(gettext("Dispatched"), 17),
            Column(gettext("Deadline"), 12),
            Column(gettext("Overdue"), 8),
            Column(gettext("Unit replied"), 17),
            Column(gettext("Replied to the resident"), 17),
            Column(gettext("Reply"), 48, wrap=True),
            Column(gettext("Fed back"), 10),
            Column(gettext("Rating"), 10),
            Column(gettext("Times reopened"), 8),
            Column(gettext("Closed at"), 17),
        ]
        return _respond(
            request,
            kind="suggestions",
            filename="suggestion-ledger",
            title=gettext("Suggestion handling ledger"),
            columns=columns,
            rows=rows(),
            filters=_described(request, SUGGESTION_FILTER_NAMES),
            detail={"phones": "full" if reveal else "masked"},
        )


# --- 接待登记台账 ------------------------------------------------------------------------------

DATED_FILTER_NAMES = {
    "date_from": _("from date"),
    "date_to": _("until date"),
    "station": _("station"),
    "region": _("area"),
    "kind": _("kind"),
    "year": _("year"),
}


def _area_or_404(value: str) -> Region:
    region = Region.objects.filter(pk=int(value)).only("id", "path").first()
    if region is None:
        raise Http404("no such area")
    return region


def _region_filter(request, qs):
    region = request.GET.get("region", "")
    if not region:
        return qs
    if not region.isdigit() or len(region) > 18:
        raise Http404("bad area")
    return qs.filter(in_area(_area_or_404(region)))


@login_required
@require_GET
def reception_ledger(request):
    """接待登记台账: one row per reception day of the user's stations, with its log."""
    ids = _stations_for(request.user)
    try:
        data = _bound(DatedFilterForm, request)
    except BadFilters as error:
        return _bad_filters(request, error.errors)
    qs = ReceptionDay.objects.select_related("station", "logged_by")
    if ids is not None:
        qs = qs.filter(station_id__in=ids)
    qs = _region_filter(request, qs)
    if data.get("station"):
        qs = qs.filter(station=data["station"])
    if data.get("date_from"):
        qs = qs.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(date__lte=data["date_to"])
    qs = (
        qs.annotate(suggestion_count=Count("suggestions", distinct=True))
        .prefetch_related(
            Prefetch(
                "duties",
                queryset=DutyAssignment.objects.select_related("delegate").order_by(
                    "delegate__name_pinyin", "delegate__name"
                ),
            )
        )
        .order_by("date", "station__name", "pk")
    )
    with translation.override(LEDGER_LANGUAGE):
        statuses = dict(ReceptionDay.Status.choices)

        def rows():
            for number, day in enumerate(qs.iterator(chunk_size=CHUNK), start=1):
                duties = list(day.duties.all())
                yield [
                    number,
                    day.date,
                    f"{day.start_time:%H:%M}-{day.end_time:%H:%M}",
                    day.station.name,
                    day.theme,
                    str(statuses.get(day.status, day.status)),
                    day.leader_name,
                    "、".join(d.delegate.name for d in duties),
                    "、".join(d.delegate.name for d in duties if d.attended),
                    day.visitors,
                    day.suggestion_count,
                    redact_phones(day.log_notes),
                    day.cancel_reason,
                    day.logged_by.display_name if day.logged_by_id else "",
                    day.logged_at,
                ]

        columns = [
            Column(gettext("No."), 6),
            Column(gettext("Date"), 12),
            Column(gettext("Time"), 12),
            Column(gettext("Station"), 22),
            Column(gettext("Theme"), 16),
            Column(gettext("Status"), 8),
            Column(gettext("Leader in charge"), 12),
            Column(gettext("Delegates on duty"), 20, wrap=True),
            Column(gettext("Delegates present"), 20, wrap=True),
            Column(gettext("Residents received"), 10),
            Column(gettext("Suggestions recorded"), 10),
            Column(gettext("Notes"), 48, wrap=True),
            Column(gettext("Reason for cancelling"), 20, wrap=True),
            Column(gettext("Logged by"), 12),
            Column(gettext("Logged at"), 17),
        ]
        return _respond(
            request,
            kind="receptions",
            filename="reception-ledger",
            title=gettext("Reception register"),
            columns=columns,
            rows=rows(),
            filters=_described(request, DATED_FILTER_NAMES),
        )


# --- 履职活动台账 -------------------------------------------------------------------------------


def _activities_for(user):
    qs = Activity.objects.all()
    if user.is_office:
        return qs
    if user.role == Role.STATION_STAFF:
        ids = station_ids_in_scope(user)
        stationed = Delegate.stations.through.objects.filter(station_id__in=ids)
        return qs.filter(
            Q(station_id__in=ids)
            | Q(
                pk__in=Activity.participants.through.objects.filter(
                    delegate_id__in=stationed.values("delegate_id")
                ).values("activity_id")
            )
        )
    if user.role == Role.DELEGATE and getattr(user, "delegate", None) is not None:
        return qs.filter(
            Q(station_id__in=station_ids_in_scope(user))
            | Q(
                pk__in=Activity.participants.through.objects.filter(
                    delegate_id=user.delegate.pk
                ).values("activity_id")
            )
        )
    raise Http404("no ledger for this role")


@login_required
@require_GET
def activity_ledger(request):
    """履职活动台账: one row per delegate activity in the user's scope."""
    qs = _activities_for(request.user)
    try:
        data = _bound(ActivityFilterForm, request)
    except BadFilters as error:
        return _bad_filters(request, error.errors)
    qs = _region_filter(request, qs)
    if data.get("station"):
        qs = qs.filter(station=data["station"])
    if data.get("date_from"):
        qs = qs.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(date__lte=data["date_to"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    qs = (
        qs.select_related("station", "created_by")
        .prefetch_related(
            Prefetch("participants", queryset=Delegate.objects.order_by("name_pinyin", "name"))
        )
        .order_by("date", "pk")
    )
    with translation.override(LEDGER_LANGUAGE):
        kinds = dict(Activity.Kind.choices)

        def rows():
            for number, activity in enumerate(qs.iterator(chunk_size=CHUNK), start=1):
                yield [
                    number,
                    activity.date,
                    str(kinds.get(activity.kind, activity.kind)),
                    activity.title,
                    activity.place,
                    activity.station.name if activity.station_id else "",
                    "、".join(d.name for d in activity.participants.all()),
                    activity.residents_contacted,
                    redact_phones(activity.notes),
                    activity.created_by.display_name if activity.created_by_id else "",
                    activity.created_at,
                ]

        columns = [
            Column(gettext("No."), 6),
            Column(gettext("Date"), 12),
            Column(gettext("Kind"), 14),
            Column(gettext("Title"), 28, wrap=True),
            Column(gettext("Place"), 18, wrap=True),
            Column(gettext("Station"), 20),
            Column(gettext("Delegates taking part"), 24, wrap=True),
            Column(gettext("Residents contacted"), 10),
            Column(gettext("Notes"), 48, wrap=True),
            Column(gettext("Recorded by"), 12),
            Column(gettext("Recorded at"), 17),
        ]
        return _respond(
            request,
            kind="activities",
            filename="activity-ledger",
            title=gettext("Delegate activity ledger"),
            columns=columns,
            rows=rows(),
            filters=_described(request, DATED_FILTER_NAMES),
        )


# --- 代表履职档案汇总 ----------------------------------------------------------------------------


def _delegates_for(user):
    qs = Delegate.objects.filter(is_active=True)
    if user.is_office:
        return qs
    if user.role == Role.STATION_STAFF:
        ids = station_ids_in_scope(user)
        return qs.filter(
            pk__in=Delegate.stations.through.objects.filter(station_id__in=ids).values(
                "delegate_id"
            )
        )
    if user.role == Role.DELEGATE and getattr(user, "delegate", None) is not None:
        return qs.filter(pk=user.delegate.pk)
    raise Http404("no ledger for this role")


def performance_available() -> bool:
    try:
        from delegates.performance import performance_for  # noqa: F401
    except ImportError:
        return False
    return True


@login_required
@require_GET
def performance_ledger(request):
    """代表履职档案汇总: one row per delegate, each target's count against it."""
    if not performance_available():
        raise Http404("performance files are not available")
    from delegates.performance import DELEGATE_METRICS, LABELS, performance_for

    delegates = _delegates_for(request.user)
    try:
        data = _bound(PerformanceFilterForm, request)
    except BadFilters as error:
        return _bad_filters(request, error.errors)
    year = data.get("year") or today().year
    if data.get("station"):
        delegates = delegates.filter(
            pk__in=Delegate.stations.through.objects.filter(station=data["station"]).values(
                "delegate_id"
            )
        )
    delegates = delegates.order_by("name_pinyin", "name")
    with translation.override(LEDGER_LANGUAGE):
        yes, no = gettext("yes"), gettext("no")

        def rows():
            # performance_for runs a fixed number of queries for any number of delegates;
            # it is fed a slice at a time so that a province's delegates stream too.
            batch, number = [], 0
            for delegate in delegates.iterator(chunk_size=CHUNK):
                batch.append(delegate)
                if len(batch) == CHUNK:
                    yield from emit(batch, number)
                    number += len(batch)
                    batch = []
            if batch:
                yield from emit(batch, number)

        def emit(batch, start):
            for offset, row in enumerate(performance_for(batch, year), start=1):
                counts = []
                for item in row.items:
                    counts += [item.count, item.target]
                yield [
                    start + offset,
                    row.delegate.name,
                    year,
                    *counts,
                    row.met_count,
                    yes if row.behind else no,
                    row.satisfaction,
                ]

        columns = [
            Column(gettext("No."), 6),
            Column(gettext("Delegate"), 12),
            Column(gettext("Year"), 8),
        ]
        for code in DELEGATE_METRICS:
            columns.append(Column(str(LABELS[code]), 12))
            columns.append(Column(gettext("%(target)s (target)") % {"target": LABELS[code]}, 10))
        columns += [
            Column(gettext("Targets met"), 8),
            Column(gettext("Behind"), 8),
            Column(gettext("Voters' satisfaction with the annual report"), 12),
        ]
        return _respond(
            request,
            kind="performance",
            filename="performance-ledger",
            title=gettext("Delegate performance summary"),
            columns=columns,
            rows=rows(),
            filters=_described(request, DATED_FILTER_NAMES),
        )


# --- the page that offers them ---------------------------------------------------------------


class LedgerIndexView(LoginRequiredMixin, TemplateView):
    """The ledgers the user may export, each with its filters."""

    template_name = "dashboard/ledgers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        keeps_stations = user.is_office or user.role in (Role.STATION_STAFF, Role.DELEGATE)
        suggestion_form = None
        try:
            from suggestions.filters import SuggestionFilter

            suggestion_form = SuggestionFilter(
                None, queryset=Suggestion.objects.none(), request=self.request
            ).form
        except ImportError:
            pass
        context.update(
            suggestion_form=suggestion_form,
            reception_form=DatedFilterForm(user=user, auto_id="reception_%s")
            if keeps_stations
            else None,
            activity_form=ActivityFilterForm(user=user, auto_id="activity_%s")
            if keeps_stations
            else None,
            performance_form=PerformanceFilterForm(user=user, auto_id="performance_%s")
            if keeps_stations and performance_available()
            else None,
            reveal=can_reveal(user),
        )
        return context
