"""Pickers that search: choosing a station, delegate, area or unit at province scale.

A province has 5,000 stations, 20,000 delegates, 10,000 areas and 2,000 handling units: a
``<select>`` holding every row is megabytes of HTML and seconds of rendering. So a form field
over one of them is a *picker*:

- the registry below names each picker and knows, for a user, every row a form may offer
  (``Picker.scope``, through the apps' selectors), how to search it, how to label a row and
  which narrowing parameters it takes (stations within an area, a station's delegates, …);
- ``/pick/<name>/?q=…`` (``picker_views.pick``) searches that same queryset and answers at
  most ``MAX_RESULTS`` rows as JSON;
- ``PickerChoiceField`` / ``PickerMultipleChoiceField`` / ``PickerChoiceFilter`` validate
  against the same queryset (a value outside the user's scope is a form error) and render a
  ``<select>`` with only the selected option(s) and ``data-picker-*`` attributes, which
  ``static/js/pickers.js`` turns into a searching box (Tom Select). When the scope is small
  (``SMALL_SCOPE`` rows or fewer: a station's staff, a delegate's own stations) every option is
  rendered as before, so the form works without JavaScript and without a search step.

The field and the endpoint share one queryset function, so the endpoint cannot offer what the
form would refuse, nor the form accept what the endpoint would not show.
"""

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.forms.models import ModelChoiceIteratorValue
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_filters.fields import ModelChoiceField as FilterModelChoiceField

from accounts.models import Role, User
from delegates.models import Constituency, Delegate, DelegateGroup, StationMembership
from stations.models import ReceptionDay, Region, Station
from suggestions.models import HandlingUnit

MAX_RESULTS = 20
# A scope of at most this many rows is rendered whole: no search step, no JavaScript needed.
SMALL_SCOPE = 50
MAX_QUERY_LENGTH = 40
MAX_ID_DIGITS = 18
# Control characters (NUL above all: PostgreSQL refuses it in a string) never reach a query.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SEPARATOR = " · "


class BadParameter(ValueError):
    """A narrowing parameter that is not what it must be (not a number, an unknown kind)."""


def parse_id(value) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > MAX_ID_DIGITS:
        raise BadParameter(value)
    return int(text)


def _parse_choices(value, allowed) -> list[str]:
    chosen = [part for part in str(value).split(",") if part]
    if not chosen or any(part not in allowed for part in chosen):
        raise BadParameter(value)
    return chosen


def _parse_flag(value) -> bool:
    if str(value) != "1":
        raise BadParameter(value)
    return True


def clean_query(value) -> str | None:
    """The search text as typed, trimmed and cut to MAX_QUERY_LENGTH; None when it holds
    control characters (nothing can match them)."""
    text = (value or "").strip()[:MAX_QUERY_LENGTH]
    if _CONTROL.search(text):
        return None
    return text


def _anyone(user):
    return user if user is not None else AnonymousUser()


def _active(user) -> bool:
    return user.is_authenticated and user.is_active


def _caseless(query: str) -> bool:
    """True when case cannot matter (Chinese, digits): a plain LIKE then does, without the
    UPPER() per row that ILIKE-style lookups cost on PostgreSQL (3x on 5,000 stations)."""
    return query.lower() == query.upper()


def _contains(field_name: str, query: str) -> Q:
    lookup = "contains" if _caseless(query) else "icontains"
    return Q(**{f"{field_name}__{lookup}": query})


def _starts_first(field_name: str, query: str) -> Case:
    """0 for rows whose ``field_name`` starts with the query, 1 for the rest: a typed prefix
    ranks first (王 finds 王建华 before 汪王明)."""
    lookup = "startswith" if _caseless(query) else "istartswith"
    return Case(
        When(**{f"{field_name}__{lookup}": query}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Picker:
    """One named picker: what a user may choose, how it is searched, labelled and narrowed."""

    name: str
    model: type
    scope: Callable  # (user) -> QuerySet: every row the user may choose, ordered
    search: Callable  # (queryset, query) -> QuerySet: matching rows, best first
    label: Callable  # (row) -> str
    narrowers: Mapping[str, Callable] = field(default_factory=dict)  # name -> (qs, raw) -> qs
    public: bool = False
    related: tuple[str, ...] = ()

    def queryset(self, user=None, params: Mapping | None = None) -> QuerySet:
        """Every row ``user`` may choose here, narrowed by ``params``. Raises BadParameter for
        a parameter value that is not valid, KeyError for a parameter the picker lacks."""
        queryset = self.scope(_anyone(user))
        for key, value in (params or {}).items():
            if value in (None, ""):
                continue
            queryset = self.narrowers[key](queryset, value)
        if self.related:
            queryset = queryset.select_related(*self.related)
        return queryset

    def results(self, user, query: str, params: Mapping) -> tuple[list[dict], bool]:
        """At most MAX_RESULTS matching rows as ``{"id", "text"}`` and whether there are more.

        Two queries (plus what the scope itself needs), whatever the table's size: the
        matching ids first, searched and sorted over narrow rows with no join for the labels,
        then those twenty rows with what their labels need.
        """
        queryset = self.queryset(user, params)
        if query:
            queryset = self.search(queryset, query)
        ids = list(queryset.values_list("pk", flat=True)[: MAX_RESULTS + 1])
        more, ids = len(ids) > MAX_RESULTS, ids[:MAX_RESULTS]
        rows = self.model._default_manager.filter(pk__in=ids).select_related(*self.related)
        by_id = {row.pk: row for row in rows} if ids else {}
        results = [{"id": str(pk), "text": self.label(by_id[pk])} for pk in ids if pk in by_id]
        return results, more

    def url(self, params: Mapping | None = None) -> str:
        base = reverse("pickers:pick", args=[self.name])
        fixed = {key: value for key, value in (params or {}).items() if value not in (None, "")}
        return f"{base}?{urlencode(fixed)}" if fixed else base


PICKERS: dict[str, Picker] = {}


def register(picker: Picker) -> Picker:
    PICKERS[picker.name] = picker
    return picker


def get_picker(name: str) -> Picker:
    try:
        return PICKERS[name]
    except KeyError:
        raise LookupError(f"no picker named {name!r}") from None


# --- stations -----------------------------------------------------------------------------------


def station_label(station: Station) -> str:
    return f"{station.name}{SEPARATOR}{station.region.name}" if station.region_id else station.name


def _search_stations(queryset, query):
    # The area by a semi-join on the matching areas, not a join of every area to every station.
    areas = Region.objects.filter(_contains("name", query)).values("pk")
    return queryset.filter(
        _contains("name", query) | _contains("address", query) | Q(region_id__in=areas)
    ).order_by(_starts_first("name", query), "name")


def _within_area(queryset, value):
    """Stations in an area and every area below it (stations.selectors.in_area: one indexed
    prefix match on ``Region.path``)."""
    from stations.selectors import in_area

    area = Region.objects.filter(pk=parse_id(value)).only("id", "path").first()
    if area is None:
        return queryset.none()
    return queryset.filter(in_area(area, station_field=""))


def _areas_within(queryset, value):
    """An area and every area below it."""
    area_path = Region.objects.filter(pk=parse_id(value)).values_list("path", flat=True).first()
    if not area_path:
        return queryset.none()
    return queryset.filter(path__startswith=area_path)


def _stations_of_kind(queryset, value):
    return queryset.filter(kind__in=_parse_choices(value, Station.Kind.values))


def _stations_of_delegate(queryset, value):
    memberships = StationMembership.objects.filter(delegate_id=parse_id(value))
    return queryset.filter(pk__in=memberships.values("station_id"))


def _active_only(queryset, value):
    _parse_flag(value)
    return queryset.filter(is_active=True)


STATION_NARROWERS = {
    "within": _within_area,
    "kind": _stations_of_kind,
    "delegate": _stations_of_delegate,
    "active": _active_only,
}


def _all_stations():
    return Station.objects.order_by("name")


def _public_stations(user):
    return _all_stations().filter(is_active=True)


def _desk_stations(user):
    """The desk's filter: office all; a unit the stations of what was dispatched to it;
    staff and delegates the stations they work for (with those nested below)."""
    from suggestions.selectors import station_ids_in_scope

    if not _active(user):
        return Station.objects.none()
    if user.is_office:
        return _all_stations()
    if user.role == Role.UNIT_STAFF:
        return _all_stations().filter(pk__in=sorted(_unit_station_ids(user)))
    return _all_stations().filter(pk__in=station_ids_in_scope(user))


def _unit_station_ids(user) -> set[int]:
    """The stations of what was dispatched to a unit, read once per request: as a subquery
    PostgreSQL walked all 5,000 stations (and, for the delegates, all 20,000 delegates) in
    name order probing each, 70–180 ms at a province."""
    from suggestions.selectors import suggestions_visible_to

    cached = getattr(user, "_portal_unit_stations", None)
    if cached is None:
        cached = set(
            suggestions_visible_to(user).order_by().values_list("station_id", flat=True).distinct()
        )
        user._portal_unit_stations = cached
    return cached


def _kept_stations(user):
    """Stations whose records a user keeps (entry, ledgers, performance files, meetings):
    office all; station staff and delegates theirs and those nested below; nobody else any."""
    from suggestions.selectors import station_ids_in_scope

    if not _active(user):
        return Station.objects.none()
    if user.is_office:
        return _all_stations()
    if user.role in (Role.STATION_STAFF, Role.DELEGATE):
        return _all_stations().filter(pk__in=station_ids_in_scope(user))
    return Station.objects.none()


def _managed_stations(user):
    """Stations a user manages (reception days, meetings): office all, station staff theirs."""
    from stations.selectors import stations_managed_by

    return stations_managed_by(user).order_by("name")


for _name, _scope, _public in (
    ("stations", _public_stations, True),
    ("desk_stations", _desk_stations, False),
    ("kept_stations", _kept_stations, False),
    ("managed_stations", _managed_stations, False),
):
    register(
        Picker(
            name=_name,
            model=Station,
            scope=_scope,
            search=_search_stations,
            label=station_label,
            narrowers=STATION_NARROWERS,
            public=_public,
            related=("region",),
        )
    )


# --- delegates ----------------------------------------------------------------------------------


def delegate_label(delegate: Delegate) -> str:
    # The occupation is on the public delegate page; it tells two 王建华 apart.
    if delegate.occupation:
        return f"{delegate.name}{SEPARATOR}{delegate.occupation}"
    return delegate.name


def _search_delegates(queryset, query):
    """By name, pinyin or initials, as the public delegate search (delegates/filters.py):
    "张", "zhang", "zhang san", "zjh" and "jianhua" all find 张建华. Pinyin is stored in lower
    case without spaces, so a prefix of it ranks first."""
    compact = "".join(query.split()).lower()
    # Names are Chinese: a plain LIKE, no UPPER() over 20,000 rows for a pinyin search.
    condition = Q(name__contains=query)
    if compact.isascii():
        condition |= Q(name_pinyin__contains=compact) | Q(name_initials__contains=compact)
        first = Case(
            When(
                Q(name_pinyin__startswith=compact) | Q(name_initials__startswith=compact),
                then=Value(0),
            ),
            default=Value(1),
            output_field=IntegerField(),
        )
    else:
        first = _starts_first("name", query)
    return queryset.filter(condition).order_by(first, "name_pinyin", "name")


def _delegates_at(queryset, value):
    memberships = StationMembership.objects.filter(
        delegate=OuterRef("pk"), station_id=parse_id(value)
    )
    return queryset.filter(Exists(memberships))


def _delegates_for_station(queryset, value):
    """Delegates who may take a station's suggestions: stationed at it or at the station it
    belongs to (a home's delegates serve its work stations)."""
    station_id = parse_id(value)
    parent_id = Station.objects.filter(pk=station_id).values_list("parent_id", flat=True).first()
    ids = [station_id] + ([parent_id] if parent_id else [])
    memberships = StationMembership.objects.filter(delegate=OuterRef("pk"), station_id__in=ids)
    return queryset.filter(Exists(memberships))


DELEGATE_NARROWERS = {
    "station": _delegates_at,
    "for_station": _delegates_for_station,
    "active": _active_only,
}


def _delegates():
    return Delegate.objects.order_by("name_pinyin", "name")


def _serving_delegates(user):
    return _delegates().filter(is_active=True)


def _stationed_in(queryset, stations):
    """Delegates stationed at any of ``stations``: a semi-join, not a DISTINCT over the join.
    Given the station ids themselves, the delegates' ids are read first (a few dozen), so that
    the delegates are looked up by id instead of walked in name order."""
    if isinstance(stations, set | list | tuple):
        stationed = list(
            StationMembership.objects.filter(station_id__in=sorted(stations))
            .order_by()
            .values_list("delegate_id", flat=True)
            .distinct()
        )
        return queryset.filter(pk__in=stationed)
    stationed = StationMembership.objects.filter(station__in=stations).values("delegate_id")
    return queryset.filter(pk__in=stationed)


def _desk_delegates(user):
    """The desk's filter and the entry form: office every delegate (former ones too: their
    suggestions stay); others the delegates stationed at the desk's stations."""
    if not _active(user):
        return Delegate.objects.none()
    if user.is_office:
        return _delegates()
    if user.role == Role.UNIT_STAFF:
        return _stationed_in(_delegates(), _unit_station_ids(user))
    from suggestions.selectors import station_ids_in_scope

    return _stationed_in(_delegates(), station_ids_in_scope(user))


def _managed_delegates(user):
    """Serving delegates stationed at the stations a user manages (meeting participants)."""
    if not _active(user):
        return Delegate.objects.none()
    if user.is_office:
        return _serving_delegates(user)
    return _stationed_in(_serving_delegates(user), _managed_stations(user).values("pk"))


for _name, _scope, _public in (
    ("delegates", _serving_delegates, True),
    ("desk_delegates", _desk_delegates, False),
    ("managed_delegates", _managed_delegates, False),
):
    register(
        Picker(
            name=_name,
            model=Delegate,
            scope=_scope,
            search=_search_delegates,
            label=delegate_label,
            narrowers=DELEGATE_NARROWERS,
            public=_public,
        )
    )


# --- areas --------------------------------------------------------------------------------------


def area_label(region: Region) -> str:
    """The area and the two above it: 南关社区 · 东街街道 · 甘州区."""
    names, current = [region.name], region
    while len(names) < 3 and current.parent_id:
        current = current.parent  # select_related("parent__parent"): no query
        names.append(current.name)
    return SEPARATOR.join(names)


def _search_areas(queryset, query):
    return queryset.filter(_contains("name", query)).order_by(
        _starts_first("name", query), "depth", "name"
    )


def _areas_of_kind(queryset, value):
    return queryset.filter(kind__in=_parse_choices(value, Region.Kind.values))


def _areas_under(queryset, value):
    return queryset.filter(parent_id=parse_id(value))


register(
    Picker(
        name="areas",
        model=Region,
        scope=lambda user: Region.objects.order_by("depth", "name"),
        search=_search_areas,
        label=area_label,
        narrowers={
            "kind": _areas_of_kind,
            "within": _areas_within,
            "parent": _areas_under,
        },
        public=True,
        related=("parent__parent",),
    )
)

GRASSROOTS_KINDS = ",".join((Region.Kind.COMMUNITY, Region.Kind.VILLAGE))
UPPER_KINDS = ",".join(kind for kind in Region.Kind.values if kind not in GRASSROOTS_KINDS)


# --- handling units, constituencies, reception days ----------------------------------------------


def _search_by_name(queryset, query):
    return queryset.filter(_contains("name", query)).order_by(_starts_first("name", query), "name")


def _units(user):
    if not _active(user):
        return HandlingUnit.objects.none()
    return HandlingUnit.objects.order_by("name")


register(
    Picker(
        name="units",
        model=HandlingUnit,
        scope=_units,
        search=_search_by_name,
        label=lambda unit: unit.name,
        narrowers={"active": _active_only},
    )
)


def _unit_staff_accounts(user):
    """Active handling-unit staff accounts, for the office linking them to a unit."""
    if not _active(user) or not user.is_office:
        return User.objects.none()
    return User.objects.filter(role=Role.UNIT_STAFF, is_active=True).order_by("username")


def _search_accounts(queryset, query):
    return queryset.filter(_contains("username", query) | Q(full_name__contains=query)).order_by(
        _starts_first("username", query), "username"
    )


def account_label(user) -> str:
    return f"{user.full_name}{SEPARATOR}{user.username}" if user.full_name else user.username


register(
    Picker(
        name="unit_staff_accounts",
        model=User,
        scope=_unit_staff_accounts,
        search=_search_accounts,
        label=account_label,
    )
)

register(
    Picker(
        name="groups",
        model=DelegateGroup,
        scope=lambda user: DelegateGroup.objects.order_by("kind", "name"),
        search=_search_by_name,
        label=lambda group: group.name,
        public=True,
    )
)

register(
    Picker(
        name="constituencies",
        model=Constituency,
        scope=lambda user: Constituency.objects.order_by("name"),
        search=_search_by_name,
        # Two levels may each have a 第一选区: the level tells them apart.
        label=lambda constituency: (
            f"{constituency.name}{SEPARATOR}{constituency.get_level_display()}"
        ),
        public=True,
    )
)


def reception_day_label(day: ReceptionDay) -> str:
    from django.utils import formats

    parts = [day.station.name, formats.date_format(day.date, "DATE_FORMAT")]
    if day.theme:
        parts.append(day.theme)
    return SEPARATOR.join(parts)


RECENT_RECEPTION_DAYS = 120


def _entry_reception_days(user):
    """Reception days a suggestion may be entered for: the last RECENT_RECEPTION_DAYS days,
    not cancelled, at the active stations whose records the user keeps, latest first."""
    import datetime

    from congress_portal.clock import today

    recent = today() - datetime.timedelta(days=RECENT_RECEPTION_DAYS)
    stations = _kept_stations(user).filter(is_active=True).values("pk")
    return (
        ReceptionDay.objects.filter(station__in=stations, date__gte=recent, date__lte=today())
        .exclude(status=ReceptionDay.Status.CANCELLED)
        .order_by("-date", "station__name")
    )


def _search_reception_days(queryset, query):
    return queryset.filter(_contains("station__name", query) | _contains("theme", query))


register(
    Picker(
        name="entry_reception_days",
        model=ReceptionDay,
        scope=_entry_reception_days,
        search=_search_reception_days,
        label=reception_day_label,
        narrowers={"station": lambda qs, value: qs.filter(station_id=parse_id(value))},
        related=("station",),
    )
)


# --- the form side: widgets, fields, filters ---------------------------------------------------

TEXTS = {
    "placeholder": _("Type to search"),
    "no-results": _("No results"),
    "loading": _("Searching…"),
    "more": _("More results: type more to narrow them down."),
    "error": _("The search failed. Try again."),
    "remove": pgettext_lazy("picker", "Remove"),
    "clear": pgettext_lazy("picker", "Clear"),
}


def _selected_ids(values) -> list[int]:
    ids = []
    for value in values:
        try:
            ids.append(parse_id(value))
        except BadParameter:
            continue  # "abc" posted: nothing to show as selected; the field reports the error
    return ids


class PickerWidgetMixin:
    """Renders the field's scope whole when it is small, otherwise only the selected rows and
    the data-picker-* attributes that static/js/pickers.js reads."""

    picker: Picker | None = None  # set by the field
    picker_params: Mapping = {}
    picker_forward: Mapping[str, str] = {}
    picker_preload = False
    # Another widget for small scopes (e.g. checkboxes); None: this <select> with all options.
    small_widget = None

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.__dict__.pop("_picker_head", None)
        return result

    # -- what to render ------------------------------------------------------------------------

    @property
    def picker_field(self):
        return self.choices.field

    def _head(self) -> tuple[list, bool]:
        """The scope's first SMALL_SCOPE + 1 rows (one query, cached for this queryset) and
        whether that is all of it."""
        queryset = self.picker_field.queryset
        cached = self.__dict__.get("_picker_head")
        if cached is None or cached[0] is not queryset:
            head = list(queryset[: SMALL_SCOPE + 1])
            cached = (queryset, head, len(head) <= SMALL_SCOPE)
            self.__dict__["_picker_head"] = cached
        return cached[1], cached[2]

    @property
    def searches(self) -> bool:
        """True when the scope is too big to list: the widget renders a searching picker."""
        return not self._head()[1]

    def _rows(self, values) -> list:
        head, small = self._head()
        if small:
            return head
        ids = _selected_ids(v for v in values if v)
        if not ids:
            return []
        # Only what the scope allows: a selected value outside it is shown as nothing chosen
        # (and the field says why).
        return list(self.picker_field.queryset.filter(pk__in=ids[:SMALL_SCOPE]))

    def optgroups(self, name, value, attrs=None):
        field = self.picker_field
        groups, index = [], 0
        if not self.allow_multiple_selected and field.empty_label is not None:
            selected = not any(value)
            option = self.create_option(name, "", field.empty_label, selected, index, attrs=attrs)
            groups.append((None, [option], index))
            index += 1
        for row in self._rows(value):
            key = field.prepare_value(row)
            option = self.create_option(
                name,
                ModelChoiceIteratorValue(key, row),
                field.label_from_instance(row),
                str(key) in value,
                index,
                attrs=attrs,
            )
            groups.append((None, [option], index))
            index += 1
        return groups

    def picker_attrs(self) -> dict:
        # Reversed at render time: fields are declared before the URLconf can be loaded.
        attrs = {"data-picker-url": self.picker.url(self.picker_params)}
        for key, text in TEXTS.items():
            attrs[f"data-picker-{key}"] = str(text)
        if self.picker_forward:
            attrs["data-picker-forward"] = json.dumps(dict(self.picker_forward))
        if self.picker_preload:
            attrs["data-picker-preload"] = "1"
        return attrs

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.searches:
            widget_attrs = context["widget"]["attrs"]
            widget_attrs.update(self.picker_attrs())
            # Tom Select copies the classes to its box; Bootstrap's theme styles .form-select.
            classes = widget_attrs.get("class", "").split()
            if "form-select" not in classes:
                widget_attrs["class"] = " ".join([*classes, "form-select"])
        return context

    def use_required_attribute(self, initial):
        # Django's Select looks at the first choice, which would run the whole query; the
        # first option rendered here is the empty one exactly when the field has one.
        if self.allow_multiple_selected:
            return forms.Widget.use_required_attribute(self, initial)
        return (
            forms.Widget.use_required_attribute(self, initial)
            and self.picker_field.empty_label is not None
        )

    # -- small scopes with another widget (checkboxes) ------------------------------------------

    def _small(self):
        if self.small_widget is None or self.searches:
            return None
        field = self.picker_field
        widget = copy.deepcopy(self.small_widget)
        widget.choices = [
            (field.prepare_value(row), field.label_from_instance(row)) for row in self._head()[0]
        ]
        widget.is_required = self.is_required
        return widget

    def render(self, name, value, attrs=None, renderer=None):
        small = self._small()
        if small is not None:
            return small.render(name, value, attrs, renderer)
        return super().render(name, value, attrs, renderer)

    def subwidgets(self, name, value, attrs=None):
        small = self._small()
        if small is not None:
            return small.subwidgets(name, value, attrs)
        return super().subwidgets(name, value, attrs)

    def id_for_label(self, id_, index=None):
        small = self._small()
        target = small if small is not None else super()
        return target.id_for_label(id_) if index is None else target.id_for_label(id_, index)

    @property
    def use_fieldset(self):
        small = self._small()
        return small.use_fieldset if small is not None else False


class PickerSelect(PickerWidgetMixin, forms.Select):
    pass


class PickerSelectMultiple(PickerWidgetMixin, forms.SelectMultiple):
    pass


class PickerFieldMixin:
    """A model choice field over a registered picker. Until ``scope(user)`` is called its
    queryset is empty: an unscoped picker accepts nothing."""

    def __init__(
        self,
        picker: str,
        *args,
        params: Mapping | None = None,
        forward: Mapping[str, str] | None = None,
        preload: bool = False,
        small_widget=None,
        **kwargs,
    ):
        self.picker = get_picker(picker)
        self.picker_params = dict(params or {})
        kwargs.setdefault("queryset", self.picker.model.objects.none())
        super().__init__(*args, **kwargs)
        widget = self.widget
        widget.picker = self.picker
        widget.picker_params = self.picker_params
        # {parameter: name of the form field whose value it takes}, e.g. {"station": "station"}
        widget.picker_forward = dict(forward or {})
        widget.picker_preload = preload
        widget.small_widget = small_widget() if isinstance(small_widget, type) else small_widget

    def label_from_instance(self, obj):
        return self.picker.label(obj)

    def scope(self, user, **params):
        """Offer and accept what the picker allows ``user``, narrowed by ``params`` (which the
        endpoint URL repeats)."""
        merged = {**self.picker_params, **params}
        self.queryset = self.picker.queryset(user, merged)
        self.widget.picker_params = merged
        return self

    @property
    def searches(self) -> bool:
        return self.widget.searches


class PickerChoiceField(PickerFieldMixin, forms.ModelChoiceField):
    widget = PickerSelect


class PickerMultipleChoiceField(PickerFieldMixin, forms.ModelMultipleChoiceField):
    widget = PickerSelectMultiple


class _PickerFilterField(PickerFieldMixin, FilterModelChoiceField):
    widget = PickerSelect


class PickerChoiceFilter(django_filters.ModelChoiceFilter):
    """A django-filter model choice over a picker, scoped to the FilterSet's request user."""

    field_class = _PickerFilterField

    def __init__(self, *args, picker: str, params: Mapping | None = None, **kwargs):
        self._picker = get_picker(picker)
        self._params = dict(params or {})
        kwargs["queryset"] = self._scoped
        super().__init__(*args, picker=picker, params=params, **kwargs)

    def _scoped(self, request):
        user = getattr(request, "user", None)
        return self._picker.queryset(user, self._params)
