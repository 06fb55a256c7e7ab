"""Excel ledgers (台账): suggestions, reception logs, activities, performance files.

Each ledger is scoped to the user like the screen it comes from, takes that screen's filters,
masks residents' phone numbers unless an office user holds ``accounts.reveal_phone``, ends
with who exported it, when and with which filters, and is audited with its row count. The
workbook is in Chinese whatever the interface language: a ledger is an official record.

This module only describes a ledger (``build``: its columns, its rows as keyset-ordered
chunks, its count); ``dashboard.exports`` writes it in a background task and
``dashboard.ledger_views`` offers it.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Prefetch, Q
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.permissions import may_reveal_phones
from congress_portal.clock import now, today
from congress_portal.masking import mask_name, mask_phone, redact_phones
from congress_portal.pickers import PickerChoiceField, PickerSelect
from delegates.models import Activity, Delegate
from stations.models import DutyAssignment, ReceptionDay, Region
from stations.selectors import in_area
from suggestions.codes import format_code
from suggestions.models import Channel, State, Suggestion
from suggestions.selectors import station_ids_in_scope, suggestions_visible_to

from .xlsx import Column, write_ledger

LEDGER_LANGUAGE = "zh-hans"
CHUNK = 1000
# Filters a ledger never takes: the desk's paging and tabs, the form's own fields.
IGNORED_PARAMS = ("page", "tab", "kind", "csrfmiddlewaretoken", "after", "before")
MAX_PARAM_LENGTH = 200
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class BadFilters(Exception):
    def __init__(self, errors):
        super().__init__("bad filters")
        self.errors = errors


@dataclass
class Ledger:
    """One ledger for one user and filters: what the workbook holds, not yet read."""

    kind: str
    filename: str
    title: str
    columns: list[Column]
    rows: Callable[[], Iterable[list]]
    count: Callable[[], int]
    detail: dict = field(default_factory=dict)


# --- who may export what ----------------------------------------------------------------------


def can_reveal(user) -> bool:
    return may_reveal_phones(user)


def scope_of(user) -> str:
    """A digest of what ``user`` may export: their role, office rights, phone rights,
    stations, delegate and units. A file built for one scope is not handed over in another."""
    parts = [
        user.role or "",
        "office" if user.is_office else "",
        "reveal" if can_reveal(user) else "",
    ]
    if not user.is_office:
        if user.role in (Role.STATION_STAFF, Role.DELEGATE):
            parts.append(",".join(str(pk) for pk in sorted(station_ids_in_scope(user))))
        if user.role == Role.DELEGATE:
            parts.append(str(getattr(getattr(user, "delegate", None), "pk", "")))
        if user.role == Role.UNIT_STAFF:
            parts.append(
                ",".join(
                    str(pk)
                    for pk in user.handling_units.values_list("id", flat=True).order_by("id")
                )
            )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


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


def params_from(data: QueryDict) -> list[list[str]]:
    """The filters of a form or query string as [name, value] pairs, in their order."""
    return [
        [key, value[:MAX_PARAM_LENGTH]]
        for key, values in data.lists()
        if key not in IGNORED_PARAMS
        for value in values
    ]


def query_from(params: list) -> QueryDict:
    """The pairs of ``params_from`` back as the QueryDict the filter forms take."""
    data = QueryDict(mutable=True)
    for pair in params or []:
        if isinstance(pair, list | tuple) and len(pair) == 2:
            data.appendlist(str(pair[0]), str(pair[1]))
    return data


def _bound(form_class, user, params: QueryDict):
    form = form_class(params or None, user=user)
    if form.is_bound and not form.is_valid():
        raise BadFilters(form.errors)
    return form.cleaned_data if form.is_bound else {}


def describe(kind: str, params: QueryDict) -> str:
    """The filters applied, as the footer and the audit log say them (phones masked)."""
    names = SUGGESTION_FILTER_NAMES if kind == "suggestions" else DATED_FILTER_NAMES
    parts = []
    for key, value in params.lists():
        if key in IGNORED_PARAMS or not any(value):
            continue
        label = names.get(key, key)
        shown = ", ".join(redact_phones(v)[:60] for v in value if v)
        parts.append(f"{label}={shown}")
    return "; ".join(parts) or gettext("none")


def footer_for(user, filters: str):
    def lines(count):
        return [
            gettext("Exported by %(user)s (%(role)s) at %(time)s; %(count)s records.")
            % {
                "user": user.display_name,
                "role": user.get_role_display() or "—",
                "time": _local_now(),
                "count": count,
            },
            gettext("Filters: %(filters)s") % {"filters": filters},
        ]

    return lines


def _local_now() -> str:
    return f"{timezone.localtime(now()):%Y-%m-%d %H:%M}"


def _value(obj, key: str):
    if isinstance(obj, dict):
        return obj[key]
    for part in key.split("__"):
        obj = getattr(obj, part)
    return obj


def keyset(qs, keys: tuple[str, ...], size: int = CHUNK) -> Iterator:
    """The rows of ``qs`` in ``keys`` order (the last one unique), ``size`` rows a query,
    each query starting after the last row seen: the millionth row costs what the first
    does (OFFSET would re-read every row before it), no cursor or transaction stays open
    for the minutes a province's ledger takes, and prefetches run a chunk at a time."""
    qs = qs.order_by(*keys)
    after = None
    while True:
        chunk = list((qs if after is None else qs.filter(after))[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last = [_value(chunk[-1], key) for key in keys]
        after = Q()
        for index, key in enumerate(keys):
            step = Q(**{f"{key}__gt": last[index]})
            for before, value in zip(keys[:index], last[:index], strict=True):
                step &= Q(**{before: value})
            after |= step
        # The same condition, with the first key's bound alone as well: that is what an index
        # on it can seek to (PostgreSQL read the OR from the start of the index, so every
        # chunk cost more than the one before).
        after &= Q(**{f"{keys[0]}__gte": last[0]})


# --- 建议办理台账 ------------------------------------------------------------------------------


@dataclass
class _FilterRequest:
    """What the desk's FilterSet reads of a request (its pickers are scoped to ``user``):
    the task that writes a ledger has the requester and their filters, not their request."""

    user: object
    GET: QueryDict


def _suggestion_queryset(user, params: QueryDict):
    """The user's suggestions narrowed by the desk list's filters (its own FilterSet)."""
    scope = suggestions_visible_to(user)
    params = params.copy()
    region = params.pop("region", [""])[-1]
    if region:
        if not region.isdigit() or len(region) > 18 or user.role == Role.UNIT_STAFF:
            raise Http404("bad area")
        scope = scope.filter(in_area(_area_or_404(region)))
    from suggestions.filters import SuggestionFilter

    # The desk list's own filter, its pickers scoped to the request's user like the desk's.
    filterset = SuggestionFilter(params, queryset=scope, request=_FilterRequest(user, params))
    if not filterset.is_valid():
        raise BadFilters(filterset.errors)
    return filterset.qs


SUGGESTION_FIELDS = (
    "pk",
    "tracking_code",
    "title",
    "content",
    "category__name",
    "station__name",
    "channel",
    "submitter_name",
    "submitter_phone",
    "address",
    "submitted_at",
    "state",
    "delegate__name",
    "accepted_at",
    "outcome",
    "handling_unit__name",
    "dispatched_at",
    "deadline",
    "unit_replied_at",
    "replied_at",
    "reply",
    "feedback_channel",
    "rating",
    "reopen_count",
    "closed_at",
)


def _labels(choices) -> dict[str, str]:
    """A field's choices as plain strings, translated once rather than once a cell."""
    return {key: str(label) for key, label in choices}


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
    "contacts": _("full phone numbers"),
    "purpose": _("purpose"),
}


# The request for residents' full phone numbers, and why (SECURITY.md 10 and 11).
CONTACTS_PARAM = "contacts"
PURPOSE_PARAM = "purpose"
MIN_PURPOSE = 4


def contacts_requested(user, params: QueryDict) -> tuple[bool, str]:
    """Whether this export holds full phone numbers, and the purpose given. Masked unless the
    exporter holds the reveal right *and* asks for them, saying why; the purpose is audited
    with the row count."""
    wants = params.get(CONTACTS_PARAM) == "full"
    purpose = " ".join((params.get(PURPOSE_PARAM) or "").split())[:MAX_PARAM_LENGTH]
    if not wants:
        return False, ""
    if not can_reveal(user):
        raise BadFilters({CONTACTS_PARAM: [gettext("Your account may not export full numbers.")]})
    if len(purpose) < MIN_PURPOSE:
        raise BadFilters(
            {PURPOSE_PARAM: [gettext("Say what the residents' full phone numbers are needed for.")]}
        )
    return True, purpose


def suggestion_ledger(user, params: QueryDict) -> Ledger:
    """建议办理台账: one row per suggestion the user may see, with the desk list's filters."""
    reveal, purpose = contacts_requested(user, params)
    qs = _suggestion_queryset(user, params)
    is_unit = user.role == Role.UNIT_STAFF and not user.is_office
    # Plain values, not model instances: building a million objects with four related ones
    # each was most of the time a province's ledger took.
    # Names, phones and addresses are decrypted per row (~0.1 ms a value): a unit's ledger,
    # which shows neither phone nor address, does not read them at all.
    hidden = ("submitter_phone", "address") if is_unit else ()
    qs = qs.values(*(f for f in SUGGESTION_FIELDS if f not in hidden))
    today_ = today()
    states, channels = _labels(State.choices), _labels(Channel.choices)
    outcomes = _labels(Suggestion._meta.get_field("outcome").choices)
    feedback = _labels(Suggestion._meta.get_field("feedback_channel").choices)
    ratings = _labels(Suggestion._meta.get_field("rating").choices)
    yes, no = gettext("yes"), gettext("no")
    open_with_unit = (State.DISPATCHED, State.IN_PROGRESS)

    def text(value):
        return value if reveal else redact_phones(value)

    def phone(value):
        if is_unit or not value:
            return ""
        return value if reveal else mask_phone(value)

    def name(value):
        return mask_name(value) if is_unit else value

    def rows():
        for number, s in enumerate(keyset(qs, ("submitted_at", "pk")), start=1):
            overdue = s["state"] in open_with_unit and bool(
                s["deadline"] and s["deadline"] < today_
            )
            yield [
                number,
                format_code(s["tracking_code"]),
                text(s["title"]),
                text(s["content"]),
                s["category__name"],
                s["station__name"],
                channels.get(s["channel"], s["channel"]),
                name(s["submitter_name"]),
                phone(s.get("submitter_phone", "")),
                "" if is_unit else text(s["address"]),
                s["submitted_at"],
                states.get(s["state"], s["state"]),
                s["delegate__name"] or "",
                s["accepted_at"],
                outcomes.get(s["outcome"], ""),
                s["handling_unit__name"] or "",
                s["dispatched_at"],
                s["deadline"],
                yes if overdue else no,
                s["unit_replied_at"],
                s["replied_at"],
                text(s["reply"]),
                feedback.get(s["feedback_channel"], ""),
                ratings.get(s["rating"], ""),
                s["reopen_count"],
                s["closed_at"],
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
    return Ledger(
        kind="suggestions",
        filename="suggestion-ledger",
        title=gettext("Suggestion handling ledger"),
        columns=columns,
        rows=rows,
        count=qs.count,
        detail={"phones": "full", "purpose": purpose} if reveal else {"phones": "masked"},
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


def _region_filter(params: QueryDict, qs):
    region = params.get("region", "")
    if not region:
        return qs
    if not region.isdigit() or len(region) > 18:
        raise Http404("bad area")
    return qs.filter(in_area(_area_or_404(region)))


def reception_ledger(user, params: QueryDict) -> Ledger:
    """接待登记台账: one row per reception day of the user's stations, with its log."""
    ids = _stations_for(user)
    data = _bound(DatedFilterForm, user, params)
    qs = ReceptionDay.objects.select_related("station", "logged_by")
    if ids is not None:
        qs = qs.filter(station_id__in=ids)
    qs = _region_filter(params, qs)
    if data.get("station"):
        qs = qs.filter(station=data["station"])
    if data.get("date_from"):
        qs = qs.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(date__lte=data["date_to"])
    counted = qs
    qs = qs.annotate(suggestion_count=Count("suggestions", distinct=True)).prefetch_related(
        Prefetch(
            "duties",
            queryset=DutyAssignment.objects.select_related("delegate").order_by(
                "delegate__name_pinyin", "delegate__name"
            ),
        )
    )
    statuses = dict(ReceptionDay.Status.choices)

    def rows():
        days = keyset(qs, ("date", "station__name", "pk"))
        for number, day in enumerate(days, start=1):
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
    return Ledger(
        kind="receptions",
        filename="reception-ledger",
        title=gettext("Reception register"),
        columns=columns,
        rows=rows,
        count=counted.count,
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


def activity_ledger(user, params: QueryDict) -> Ledger:
    """履职活动台账: one row per delegate activity in the user's scope."""
    qs = _activities_for(user)
    data = _bound(ActivityFilterForm, user, params)
    qs = _region_filter(params, qs)
    if data.get("station"):
        qs = qs.filter(station=data["station"])
    if data.get("date_from"):
        qs = qs.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(date__lte=data["date_to"])
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    qs = qs.select_related("station", "created_by").prefetch_related(
        Prefetch("participants", queryset=Delegate.objects.order_by("name_pinyin", "name"))
    )
    kinds = dict(Activity.Kind.choices)

    def rows():
        for number, activity in enumerate(keyset(qs, ("date", "pk")), start=1):
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
    return Ledger(
        kind="activities",
        filename="activity-ledger",
        title=gettext("Delegate activity ledger"),
        columns=columns,
        rows=rows,
        count=qs.count,
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


def performance_ledger(user, params: QueryDict) -> Ledger:
    """代表履职档案汇总: one row per delegate, each target's count against it."""
    if not performance_available():
        raise Http404("performance files are not available")
    from delegates.performance import DELEGATE_METRICS, LABELS, performance_for

    delegates = _delegates_for(user)
    data = _bound(PerformanceFilterForm, user, params)
    year = data.get("year") or today().year
    if data.get("station"):
        delegates = delegates.filter(
            pk__in=Delegate.stations.through.objects.filter(station=data["station"]).values(
                "delegate_id"
            )
        )
    yes, no = gettext("yes"), gettext("no")

    def rows():
        # performance_for runs a fixed number of queries for any number of delegates;
        # it is fed a chunk at a time so that a province's delegates stream too.
        batch, number = [], 0
        for delegate in keyset(delegates, ("name_pinyin", "name", "pk")):
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
    return Ledger(
        kind="performance",
        filename="performance-ledger",
        title=gettext("Delegate performance summary"),
        columns=columns,
        rows=rows,
        count=delegates.count,
    )


# --- all of them --------------------------------------------------------------------------------

BUILDERS = {
    "suggestions": suggestion_ledger,
    "receptions": reception_ledger,
    "activities": activity_ledger,
    "performance": performance_ledger,
}


def build(kind: str, user, params: QueryDict) -> Ledger:
    """The ledger ``kind`` of ``user`` with ``params``. Raises BadFilters for filters that do
    not validate, Http404 for a ledger the user does not keep or an unknown area."""
    return BUILDERS[kind](user, params)


def write_workbook(ledger: Ledger, *, path, user, filters: str, progress=None) -> int:
    """Write ``ledger`` to ``path`` with its footer; returns the rows written."""
    return write_ledger(
        path=path,
        title=ledger.title,
        columns=ledger.columns,
        rows=ledger.rows(),
        footer=footer_for(user, filters),
        progress=progress,
    )
