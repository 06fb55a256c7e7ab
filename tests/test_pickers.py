"""Pickers that search (congress_portal.pickers): the /pick/ endpoint, its scoping, and the form
fields that render only the chosen option when a scope is too big to list."""

import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import (
    AutocompleteMixin,
    ForeignKeyRawIdWidget,
    ManyToManyRawIdWidget,
    RelatedFieldWidgetWrapper,
)
from django.db import connection
from django.forms import ModelChoiceField
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from congress_portal.clock import today
from congress_portal.pickers import MAX_RESULTS, SMALL_SCOPE, get_picker
from delegates.models import Constituency, Delegate, Level, StationMembership
from delegates.services import delegate_save
from meetings.forms import MeetingForm
from stations.models import ReceptionDay, Region, Station
from suggestions.filters import SuggestionFilter
from suggestions.forms import DelegateChoiceForm, DispatchForm, StaffSuggestionForm
from suggestions.models import HandlingUnit, Suggestion
from tests.accounts.factories import OfficeUserFactory
from tests.stations.factories import (
    ReceptionDayFactory,
    RegionFactory,
    StationFactory,
    StreetFactory,
)

pytestmark = pytest.mark.django_db

PHONE_RE = re.compile(r"1[3-9]\d{9}")


def _pick(client, name, **params):
    return client.get(reverse("pickers:pick", args=[name]), params)


def _texts(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["text"] for row in response.json()["results"]]


def _many_stations(region, count=SMALL_SCOPE + 10, prefix="批量"):
    return Station.objects.bulk_create(
        [
            Station(
                name=f"{prefix}{n}号联络站",
                kind=Station.Kind.LIAISON,
                region=region,
                address=f"批量路{n}号",
            )
            for n in range(count)
        ]
    )


def _many_delegates(station, count=SMALL_SCOPE + 10):
    delegates = Delegate.objects.bulk_create(
        [Delegate(name=f"批量代表{n}", name_pinyin=f"piliang{n}") for n in range(count)]
    )
    StationMembership.objects.bulk_create(
        [StationMembership(delegate=d, station=station) for d in delegates]
    )
    return delegates


def _options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>([^<]*)</option>", html)


# --- the endpoint finds what users type -----------------------------------------------------------


def test_a_station_is_found_by_part_of_its_name_its_address_or_its_area(client):
    StationFactory(
        name="南关社区代表联络点", region=StreetFactory(name="东街街道"), address="南关巷3号"
    )
    StationFactory(name="西湖联络站", region=StreetFactory(name="西湖街道"), address="湖滨路1号")

    assert _texts(_pick(client, "stations", q="关社")) == ["南关社区代表联络点 · 东街街道"]
    assert _texts(_pick(client, "stations", q="湖滨")) == ["西湖联络站 · 西湖街道"]
    assert _texts(_pick(client, "stations", q="东街")) == ["南关社区代表联络点 · 东街街道"]


@pytest.mark.parametrize("typed", ["张建", "zhangjianhua", "zhang jian", "ZJH", "jianhua"])
def test_a_delegate_is_found_by_chinese_pinyin_or_initials(client, typed):
    delegate_save(delegate=Delegate(name="张建华", occupation="村党支部书记"))
    delegate_save(delegate=Delegate(name="李明"))

    assert _texts(_pick(client, "delegates", q=typed)) == ["张建华 · 村党支部书记"]


def test_a_pinyin_prefix_ranks_before_a_match_inside_the_name(client):
    for name in ("黄张三", "张强"):
        delegate_save(delegate=Delegate(name=name))

    assert _texts(_pick(client, "delegates", q="zhang")) == ["张强", "黄张三"]


def test_an_area_is_found_with_the_areas_above_it(client):
    district = RegionFactory(name="甘州区")
    street = StreetFactory(name="东街街道", parent=district)
    RegionFactory(name="南关社区", kind=Region.Kind.COMMUNITY, parent=street)

    assert _texts(_pick(client, "areas", q="南关")) == ["南关社区 · 东街街道 · 甘州区"]
    # Narrowed to the grassroots, a street is not offered.
    assert _texts(_pick(client, "areas", q="东街", kind="community,village")) == []
    assert _texts(_pick(client, "areas", q="东街", kind="street")) == ["东街街道 · 甘州区"]


def test_stations_within_an_area_are_its_whole_subtree(client):
    district = RegionFactory(name="甘州区")
    street = StreetFactory(name="东街街道", parent=district)
    community = RegionFactory(name="南关社区", kind=Region.Kind.COMMUNITY, parent=street)
    StationFactory(name="南关联络点", region=community)
    StationFactory(name="别区联络站")

    found = _texts(_pick(client, "stations", q="联络", within=district.pk))
    assert found == ["南关联络点 · 南关社区"]


def test_at_most_twenty_results_and_a_flag_that_there_are_more(client):
    _many_stations(StreetFactory(), count=MAX_RESULTS + 5)

    answer = _pick(client, "stations", q="批量").json()
    assert len(answer["results"]) == MAX_RESULTS
    assert answer["more"] is True
    answer = _pick(client, "stations", q="批量1").json()  # 批量1, 批量10…批量19
    assert len(answer["results"]) == 11
    assert answer["more"] is False


def test_public_answers_may_be_cached_scoped_ones_only_privately(client, office_user):
    public = _pick(client, "stations", q="联络")
    assert public["Cache-Control"].startswith("public")
    client.force_login(office_user)
    scoped = _pick(client, "desk_stations", q="联络")
    assert scoped["Cache-Control"].startswith("private")


def test_a_delegates_answer_carries_no_phone_and_no_email(client):
    delegate_save(delegate=Delegate(name="王芳", phone="13800138000", email="wangfang@example.cn"))

    body = _pick(client, "delegates", q="王芳").content.decode()
    assert "王芳" in body
    assert not PHONE_RE.search(body)
    assert "example.cn" not in body


# --- scoping -------------------------------------------------------------------------------------


def test_station_staff_search_only_their_own_stations(client, station_staff_user, station):
    StationFactory(name="别人的联络站")
    client.force_login(station_staff_user)

    for name in ("desk_stations", "kept_stations", "managed_stations"):
        found = _texts(_pick(client, name, q="联络站"))
        assert found == [f"{station.name} · {station.region.name}"], name
    # The public picker offers every active station.
    assert len(_texts(_pick(client, "stations", q="联络站"))) == 2


def test_the_desk_delegate_picker_offers_only_delegates_of_the_users_stations(
    client, station_staff_user, delegate
):
    stranger = Delegate.objects.create(name="外站代表", name_pinyin="waizhan")
    StationMembership.objects.create(delegate=stranger, station=StationFactory())
    client.force_login(station_staff_user)

    assert _texts(_pick(client, "desk_delegates", q=delegate.name)) == [
        f"{delegate.name} · {delegate.occupation}"
    ]
    assert _texts(_pick(client, "desk_delegates", q="外站")) == []


def test_the_desk_delegates_need_no_distinct(station_staff_user, delegate):
    # A delegate stationed at two of the user's stations is offered once, without DISTINCT.
    second = StationFactory(parent=delegate.stations.get())
    delegate.stations.add(second)
    queryset = get_picker("desk_delegates").queryset(station_staff_user)
    assert list(queryset) == [delegate]
    assert "DISTINCT" not in str(queryset.query).upper()


@pytest.mark.parametrize("name", ["units", "desk_stations", "desk_delegates", "kept_stations"])
def test_units_and_scoped_pickers_need_a_login(client, name, handling_unit):
    response = _pick(client, name, q="测试")
    assert response.status_code == 403
    assert "results" not in response.json()


def test_a_logged_in_user_finds_a_handling_unit(client, unit_staff_user, handling_unit):
    client.force_login(unit_staff_user)
    assert _texts(_pick(client, "units", q=handling_unit.name[:3])) == [handling_unit.name]


def test_a_unit_sees_only_the_stations_of_what_was_dispatched_to_it(
    client, walk_to, unit_staff_user, station
):
    StationFactory(name="无关联络站")
    walk_to("dispatched")
    client.force_login(unit_staff_user)
    assert _texts(_pick(client, "desk_stations", q="联络站")) == [
        f"{station.name} · {station.region.name}"
    ]


# --- bad input is an answer, never a 500 ---------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"within": "abc"},
        {"within": "99999999999999999999"},
        {"within": "１２"},  # full-width digits
        {"kind": "palace"},
        {"kind": ","},
        {"active": "yes"},
        {"delegate": "1;DROP TABLE"},
    ],
)
def test_a_parameter_that_is_not_valid_is_a_400(client, params):
    response = _pick(client, "stations", q="站", **params)
    assert response.status_code == 400
    assert response.json()["error"]


@pytest.mark.parametrize("q", ["' OR 1=1--", "%", "_", "x" * 5000, "{{7*7}}"])
def test_odd_search_text_is_an_empty_or_harmless_answer(client, q):
    StationFactory(name="联络站")
    response = _pick(client, "stations", q=q)
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_nul_characters_leave_the_search_text(client):
    # congress_portal.middleware.QueryStringNulMiddleware: "站\x00" searches for "站".
    StationFactory(name="联络站")
    response = _pick(client, "stations", q="站\x00")
    assert response.status_code == 200
    assert [row["text"].split(" · ")[0] for row in response.json()["results"]] == ["联络站"]


def test_an_area_that_does_not_exist_narrows_to_nothing(client):
    StationFactory()
    assert _texts(_pick(client, "stations", within=987654)) == []


def test_an_unknown_picker_is_a_404_and_a_post_is_refused(client):
    assert _pick(client, "everything").status_code == 404
    assert client.post(reverse("pickers:pick", args=["stations"])).status_code == 405


# --- a bounded number of queries ------------------------------------------------------------------


def test_an_endpoint_call_costs_the_same_queries_for_5_or_60_stations(
    client, delegate_user, station, django_assert_max_num_queries
):
    client.force_login(delegate_user)
    _pick(client, "desk_stations")  # the session's first touch of the minute is written once
    counts = []
    for count in (5, 60):
        _many_stations(station.region, count=count, prefix=f"第{count}批")
        _many_delegates(station, count=count)
        with CaptureQueriesContext(connection) as stations_queries:
            assert _pick(client, "desk_stations", q="批").status_code == 200
        with CaptureQueriesContext(connection) as delegates_queries:
            assert _pick(client, "desk_delegates", q="pi").status_code == 200
        counts.append((len(stations_queries), len(delegates_queries)))
    assert counts[0] == counts[1]
    # The session and the user, the delegate's station scope (its memberships, the stations
    # below them), the matching ids and their rows: nothing per row.
    with django_assert_max_num_queries(8):
        _pick(client, "desk_delegates", q="pi")
    # An anonymous search for areas: the matching ids, then twenty areas with the two above.
    client.logout()
    street = StreetFactory(name="东街街道")
    Region.objects.bulk_create(
        [
            Region(name=f"第{n}社区", kind=Region.Kind.COMMUNITY, parent=street, path=f"/x{n}/")
            for n in range(30)
        ]
    )
    with django_assert_max_num_queries(2):
        answer = _pick(client, "areas", q="社区").json()
    assert len(answer["results"]) == MAX_RESULTS
    assert answer["results"][0]["text"].endswith(" · 东街街道 · " + street.parent.name)


# --- the form side --------------------------------------------------------------------------------


def test_a_large_scope_renders_only_the_chosen_station_and_searches(office_user):
    stations = _many_stations(StreetFactory())
    chosen = stations[7]

    with translation.override("en"):
        form = StaffSuggestionForm(user=office_user, initial={"station": chosen.pk})
        html = str(form["station"])

    assert _options(html) == ["Choose a station", f"{chosen.name} · {chosen.region.name}"]
    assert 'data-picker-url="/pick/kept_stations/?active=1"' in html
    assert 'data-picker-no-results="No results"' in html


def test_a_small_scope_renders_every_option_and_needs_no_script(station_staff_user, station):
    StationFactory(parent=station, name="下属工作站")
    form = StaffSuggestionForm(user=station_staff_user)
    html = str(form["station"])

    assert len(_options(html)) == 3  # the empty choice and both stations
    assert "data-picker-url" not in html


def test_a_posted_station_outside_the_scope_is_a_form_error(station_staff_user, category):
    other = StationFactory(name="别人的联络站")
    form = StaffSuggestionForm(
        {
            "channel": "visit",
            "station": other.pk,
            "category": category.pk,
            "title": "路灯",
            "content": "路灯坏了。",
        },
        user=station_staff_user,
    )
    assert not form.is_valid()
    assert "station" in form.errors


@pytest.mark.parametrize("value", ["abc", "99999999999999999999", "-1", "1.5", "\x00"])
def test_a_posted_value_that_is_no_id_is_a_form_error(office_user, category, value):
    _many_stations(StreetFactory())
    form = StaffSuggestionForm(
        {
            "channel": "visit",
            "station": value,
            "category": category.pk,
            "title": "t",
            "content": "c",
        },
        user=office_user,
    )
    assert not form.is_valid()
    assert "station" in form.errors
    str(form["station"])  # and the form still renders


def test_a_delegate_not_stationed_at_the_suggestions_station_cannot_be_assigned(submit, station):
    suggestion = submit()
    stranger = Delegate.objects.create(name="外站代表")
    StationMembership.objects.create(delegate=stranger, station=StationFactory())

    form = DelegateChoiceForm({"delegate": stranger.pk}, suggestion=suggestion)
    assert not form.is_valid()
    assert "delegate" in form.errors


def test_the_dispatch_form_preselects_the_categorys_unit_among_thousands(
    submit, office_user, category
):
    HandlingUnit.objects.bulk_create(
        [HandlingUnit(name=f"批量单位{n}", level="county") for n in range(SMALL_SCOPE + 5)]
    )
    with translation.override("en"):
        html = str(DispatchForm(suggestion=submit(), user=office_user)["unit"])

    assert _options(html) == ["Choose a unit", category.default_unit.name]
    assert "data-picker-url" in html


def test_the_meeting_form_lists_few_delegates_as_checkboxes_and_many_as_a_picker(
    station_staff_user, station, delegate
):
    small = str(MeetingForm(user=station_staff_user)["delegates"])
    assert 'type="checkbox"' in small
    assert delegate.name in small

    _many_delegates(station)
    large_form = MeetingForm(user=station_staff_user)
    large = str(large_form["delegates"])
    assert 'type="checkbox"' not in large
    assert "<select" in large and "data-picker-forward" in large
    assert large_form["delegates"].field.searches


def test_the_desk_filter_state_filter_runs_without_distinct(station_staff_user):
    request = RequestFactory().get("/")
    request.user = station_staff_user
    filterset = SuggestionFilter(
        {"state": ["submitted", "accepted"]}, queryset=Suggestion.objects.all(), request=request
    )
    assert filterset.is_valid()
    assert "DISTINCT" not in str(filterset.qs.query).upper()


def test_the_desk_area_filter_takes_the_stations_of_the_whole_subtree(client, office_user, submit):
    district = RegionFactory(name="甘州区")
    street = StreetFactory(name="东街街道", parent=district)
    community = RegionFactory(name="南关社区", kind=Region.Kind.COMMUNITY, parent=street)
    inside = submit(station=StationFactory(region=community), title="区内的建议")
    outside = submit(title="区外的建议")
    client.force_login(office_user)

    page = client.get(reverse("suggestions:desk"), {"region": district.pk, "tab": "all"})
    html = page.content.decode()
    assert inside.title in html and outside.title not in html


def test_the_office_desk_stays_small_with_many_stations_and_delegates(
    client, office_user, station, django_assert_max_num_queries
):
    _many_stations(station.region, count=200)
    _many_delegates(station, count=200)
    Region.objects.bulk_create(
        [
            Region(name=f"批量区{n}", kind=Region.Kind.DISTRICT, path=f"/9{n:05d}/")
            for n in range(200)
        ]
    )
    client.force_login(office_user)
    chosen = Station.objects.get(name="批量17号联络站")

    with django_assert_max_num_queries(20):
        page = client.get(reverse("suggestions:desk"), {"station": chosen.pk})
    html = page.content.decode()

    assert len(re.findall("<option", html)) < 40
    assert f'<option value="{chosen.pk}" selected>{chosen.name}' in html
    new = client.get(reverse("suggestions:desk_new")).content.decode()
    assert len(re.findall("<option", new)) < 40


def test_the_entry_form_offers_recent_reception_days_of_the_users_stations_only(
    client, station_staff_user, station
):
    yesterday = today() - datetime.timedelta(days=1)
    own = ReceptionDayFactory(station=station, date=yesterday, theme="道路交通")
    ReceptionDayFactory(station=StationFactory(), date=yesterday)
    ReceptionDayFactory(station=station, date=today() - datetime.timedelta(days=400))

    form = StaffSuggestionForm(user=station_staff_user)
    assert list(form.fields["reception_day"].queryset) == [own]
    client.force_login(station_staff_user)
    found = _texts(_pick(client, "entry_reception_days", q="道路", station=station.pk))
    assert found == [f"{station.name} · {formats.date_format(yesterday, 'DATE_FORMAT')} · 道路交通"]


# --- the admin searches too ----------------------------------------------------------------------

BIG_MODELS = {Station, Region, Delegate, HandlingUnit, Suggestion, ReceptionDay, Constituency}


OUR_APPS = {"accounts", "stations", "delegates", "suggestions", "meetings", "dashboard"}


def _our_admins():
    """The portal's own admin pages (not those of django-q, axes or django-otp)."""
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in OUR_APPS
    ]


def _admin_request():
    request = RequestFactory().get("/admin/")
    request.user = OfficeUserFactory(is_staff=True, is_superuser=True)
    return request


def _plain_selects(form_class, skip=()):
    found = []
    for name, field in form_class.base_fields.items():
        if name in skip or not isinstance(field, ModelChoiceField):
            continue
        if field.queryset.model not in BIG_MODELS:
            continue
        widget = field.widget
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget = widget.widget
        if not isinstance(
            widget, AutocompleteMixin | ForeignKeyRawIdWidget | ManyToManyRawIdWidget
        ):
            found.append(name)
    return found


def test_no_admin_form_lists_every_station_delegate_area_unit_or_suggestion():
    request = _admin_request()
    problems = []
    for model, model_admin in _our_admins():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue  # read-only: nothing is chosen
        form = model_admin.get_form(request)
        problems += [f"{model.__name__}.{name}" for name in _plain_selects(form)]
        for inline in model_admin.get_inline_instances(request):
            formset = inline.get_formset(request)
            problems += [
                f"{model.__name__}/{type(inline).__name__}.{name}"
                for name in _plain_selects(formset.form, skip=(formset.fk.name,))
            ]
    assert problems == []


def test_no_admin_list_filter_lists_every_station_delegate_area_or_unit():
    from django.contrib.admin.utils import get_fields_from_path

    problems = []
    for model, model_admin in _our_admins():
        for entry in model_admin.list_filter:
            path = (
                entry if isinstance(entry, str) else entry[0] if isinstance(entry, tuple) else None
            )
            if path is None:
                continue
            field = get_fields_from_path(model, path)[-1]
            if field.is_relation and field.related_model in BIG_MODELS:
                problems.append(f"{model.__name__}: {path}")
    assert problems == []


def test_two_constituencies_of_one_name_are_told_apart_by_their_level(client):
    Constituency.objects.create(name="第一选区", level="county")
    Constituency.objects.create(name="第一选区", level="township")

    texts = _texts(_pick(client, "constituencies", q="第一"))
    with translation.override("zh-hans"):
        levels = [str(Level.COUNTY.label), str(Level.TOWNSHIP.label)]
    assert sorted(texts) == sorted(f"第一选区 · {level}" for level in levels)
    response = _pick(client, "constituencies", q="第一")
    assert "Accept-Language" in response["Vary"]
