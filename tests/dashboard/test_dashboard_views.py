"""The dashboard page: login, scope by role, 404 outside it, links to the desk list."""

import re
from html import unescape as html_unescape

import pytest
from django.urls import reverse

from dashboard.links import desk_base
from suggestions.models import State, Suggestion

URL = "/dashboard/"


def figure(response, code) -> str:
    """The number shown in a key-figure tile."""
    html = response.content.decode()
    match = re.search(
        rf'dashboard-figure-{code}">\s*<(?:a|span) class="dashboard-figure-link"[^>]*>\s*'
        r'<span class="dashboard-figure-number">([^<]*)</span>',
        html,
    )
    assert match, code
    return match.group(1)


def figure_link(response, code) -> str:
    html = response.content.decode()
    match = re.search(
        rf'dashboard-figure-{code}">\s*<a class="dashboard-figure-link" href="([^"]*)"', html
    )
    assert match, code
    return match.group(1).replace("&amp;", "&")


@pytest.mark.django_db
def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_url_name_is_the_dashboard():
    assert reverse("dashboard:dashboard") == URL


@pytest.mark.django_db
def test_office_sees_the_whole_district(client, district, today_frozen):
    client.force_login(district.office)
    response = client.get(URL, {"period": "year"})
    assert response.status_code == 200
    assert figure(response, "received") == str(Suggestion.objects.count())
    assert figure(response, "closed") == str(Suggestion.objects.filter(state=State.CLOSED).count())
    assert "东一社区联络站" in response.content.decode()
    assert "西镇代表之家" in response.content.decode()


@pytest.mark.django_db
def test_station_staff_see_only_their_station(client, district, today_frozen):
    client.force_login(district.staff_a)
    response = client.get(URL, {"period": "year"})
    assert response.status_code == 200
    assert figure(response, "received") == str(
        Suggestion.objects.filter(station=district.a).count()
    )
    html = response.content.decode()
    # Station C's name appears nowhere: not in the tables, not in the pickers.
    assert "西镇代表之家" not in html


@pytest.mark.django_db
def test_station_staff_get_404_for_another_station_or_area(client, district, today_frozen):
    client.force_login(district.staff_a)
    assert client.get(URL, {"station": district.c.pk}).status_code == 404
    assert client.get(URL, {"region": district.street2.pk}).status_code == 404
    assert client.get(URL, {"station": "abc"}).status_code == 404
    assert client.get(URL, {"station": "99999999999999999999"}).status_code == 404
    assert client.get(URL, {"station": district.a.pk}).status_code == 200


@pytest.mark.django_db
def test_unit_staff_see_their_units_figures(client, district, today_frozen):
    client.force_login(district.unit1_user)
    response = client.get(URL, {"period": "year"})
    assert response.status_code == 200
    assert figure(response, "received") == str(
        Suggestion.objects.filter(handling_unit=district.unit1).count()
    )
    assert "区住建局" not in response.content.decode()  # the other unit


@pytest.mark.django_db
def test_figures_link_to_the_desk_list_of_the_same_suggestions(client, district, today_frozen):
    client.force_login(district.office)
    response = client.get(URL, {"period": "custom", "from": "2026-02", "to": "2026-03"})
    link = figure_link(response, "closed")
    assert link.startswith(desk_base() + "?")
    assert "state=closed" in link
    assert "submitted_after=2026-02-01" in link
    assert "submitted_before=2026-03-31" in link
    assert "overdue=1" in figure_link(response, "overdue")
    assert "reopened=1" in figure_link(response, "reopened")
    station_link = client.get(URL, {"station": district.c.pk})
    assert f"station={district.c.pk}" in figure_link(station_link, "received")


@pytest.mark.django_db
def test_bad_months_are_a_message_not_an_error(client, district, today_frozen):
    client.force_login(district.office)
    response = client.get(URL, {"period": "custom", "from": "2026-13", "to": "\x00"})
    assert response.status_code == 200
    assert 'id="period-error"' in response.content.decode()


@pytest.mark.django_db
def test_charts_get_their_data_through_json_script_and_no_inline_script(
    client, district, today_frozen
):
    client.force_login(district.office)
    html = client.get(URL).content.decode()
    assert '<script id="chart-data-trend" type="application/json">' in html
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in html
    assert "js/dashboard.js" in html
    for script in re.findall(r"<script(?![^>]*application/json)[^>]*>(.*?)</script>", html, re.S):
        assert script.strip() == ""
    assert " style=" not in html


@pytest.mark.django_db
def test_the_export_link_holds_the_same_suggestions_as_the_figures(client, district, today_frozen):
    from .test_ledgers import ledger_from_link, records

    client.force_login(district.office)
    params = {"period": "custom", "from": "2026-02", "to": "2026-03", "region": district.street1.pk}
    response = client.get(URL, params)
    html = response.content.decode()
    link = re.search(r'href="(/ledgers/suggestions/\?[^"]*)"', html).group(1)
    sheet = ledger_from_link(client, link.replace("&amp;", "&"))
    assert str(len(records(sheet))) == figure(response, "received")
    assert (
        len(records(sheet))
        == Suggestion.objects.filter(
            station__in=[district.a, district.b],
            submitted_month__gte="2026-02-01",
            submitted_month__lte="2026-03-01",
        ).count()
    )


@pytest.mark.django_db
def test_delegates_behind_their_targets_are_listed_in_scope(client, district, today_frozen):
    pytest.importorskip("delegates.performance")
    client.force_login(district.staff_c)
    html = client.get(URL).content.decode()
    section = html.split('id="behind-title"', 1)[1]
    assert district.delegate_c.name in section  # no activity at all this year: behind
    assert district.delegate_ab.name not in section  # stationed elsewhere


@pytest.mark.django_db
def test_the_office_sees_the_delegates_behind_in_the_area_it_opened(client, district, today_frozen):
    client.force_login(district.office)
    html = client.get(URL, {"region": district.street2.pk}).content.decode()
    section = html.split('id="behind-title"', 1)[1]
    assert district.delegate_c.name in section
    assert district.delegate_ab.name not in section


@pytest.mark.django_db
def test_a_long_behind_list_is_capped_and_links_to_the_paged_list_of_the_behind(
    client, district, today_frozen, monkeypatch
):
    # Issue 14: ~150 delegates behind made a 14,800 px page.
    from delegates.models import Delegate
    from tests.delegates.factories import DelegateFactory

    monkeypatch.setattr("dashboard.selectors.DELEGATES_BEHIND_LIMIT", 2)
    for n in range(3):
        DelegateFactory(name=f"落后代表{n}").stations.add(district.c)
    client.force_login(district.staff_c)
    html = client.get(URL).content.decode()
    section = html.split('id="behind-title"', 1)[1].split("</section>")[0]
    stationed = Delegate.objects.filter(stations=district.c).count()
    assert section.count('<th scope="row">') == 2
    assert f'data-behind="{stationed}" data-shown="2"' in section
    link = re.search(r'href="([^"]*/delegates/performance/[^"]*)"', section).group(1)
    params = dict(pair.split("=") for pair in html_unescape(link).split("?", 1)[1].split("&"))
    assert params["status"] == "behind" and params["station"] == str(district.c.pk)
    listing = client.get(html_unescape(link))
    assert listing.status_code == 200
    assert "落后代表2" in listing.content.decode()


@pytest.mark.django_db
def test_a_scope_with_too_many_delegates_links_to_their_files(
    client, district, today_frozen, monkeypatch
):
    monkeypatch.setattr("dashboard.selectors.BEHIND_MAX_DELEGATES", 1)
    client.force_login(district.office)
    html = client.get(URL).content.decode()
    section = html.split('id="behind-title"', 1)[1].split("</section>")[0]
    assert district.delegate_c.name not in section
    assert reverse("delegates:performance_list") in section


def _many_stations_and_areas(district, count=150):
    """A city-sized district: areas and stations made in bulk (paths set by hand)."""
    from stations.models import Region, Station

    start = Region.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    first = Station.objects.count()
    streets = [
        Region(
            pk=start + n,
            name=f"批量街道{first + n:03d}",
            kind=Region.Kind.STREET,
            parent=district.district,
            path=f"{district.district.path}{start + n}/",
            depth=1,
        )
        for n in range(count)
    ]
    Region.objects.bulk_create(streets)
    Station.objects.bulk_create(
        Station(name=f"批量联络站{first + n:03d}", kind="home", region=street, address="路")
        for n, street in enumerate(streets)
    )


@pytest.mark.django_db
def test_the_office_drills_down_from_the_whole_district_to_a_street(client, district, today_frozen):
    d = district
    client.force_login(d.office)

    top = client.get(URL, {"period": "year"}).content.decode()
    street_url = f"{URL}?period=year&amp;region={d.street1.pk}"
    assert f'<a href="{street_url}">{d.street1.name}</a>' in top

    street = client.get(URL, {"period": "year", "region": d.street1.pk})
    html = street.content.decode()
    in_street = Suggestion.objects.filter(station__in=[d.a, d.b]).count()
    assert figure(street, "received") == str(in_street)
    assert 'aria-current="page">东街道</li>' in html
    assert f'<option value="{d.a.pk}">{d.a.name}</option>' in html
    assert d.c.name not in html


@pytest.mark.django_db
def test_a_big_scope_lists_areas_not_every_station_with_the_same_queries(
    client, district, today_frozen
):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(district.office)
    client.get(reverse("accounts:home"))  # the session's first request stamps it
    _many_stations_and_areas(district, 150)
    with CaptureQueriesContext(connection) as big:
        client.get(URL, {"period": "year"})
    _many_stations_and_areas(district, 150)
    cache.clear()  # the delegates behind their targets are cached per scope

    with CaptureQueriesContext(connection) as bigger:
        response = client.get(URL, {"period": "year"})

    html = response.content.decode()
    assert "批量街道149" in html  # an area to drill into
    assert "批量联络站" not in html  # 303 stations: none listed one by one
    assert len(html.encode()) < 300_000
    assert len(bigger.captured_queries) == len(big.captured_queries)


@pytest.mark.django_db
def test_kept_figures_are_a_minute_old_at_most_and_never_another_scopes(
    client, district, today_frozen, settings
):
    """With the cache on, a second look within the minute shows the kept figures (a new
    suggestion appears only once they expire), and station staff looking at the same period
    never get the office's kept figures, nor the office theirs."""
    from django.core.cache import cache

    from suggestions import services
    from suggestions.models import Channel

    settings.DASHBOARD_CACHE_SECONDS = 60
    client.force_login(district.office)
    everything = Suggestion.objects.count()
    assert figure(client.get(URL, {"period": "year"}), "received") == str(everything)

    client.force_login(district.staff_a)
    at_a = Suggestion.objects.filter(station=district.a).count()
    assert at_a < everything
    assert figure(client.get(URL, {"period": "year"}), "received") == str(at_a)

    services.suggestion_submit(
        title="路灯不亮",
        content="东一社区的路灯坏了。",
        category=district.cat1,
        station=district.a,
        channel=Channel.ONLINE,
        submitter_name="居民",
        submitter_phone="13800139999",
        consent_disclosure=False,
        actor=None,
    )
    client.force_login(district.office)
    assert figure(client.get(URL, {"period": "year"}), "received") == str(everything)
    client.force_login(district.staff_a)
    assert figure(client.get(URL, {"period": "year"}), "received") == str(at_a)

    cache.clear()
    assert figure(client.get(URL, {"period": "year"}), "received") == str(at_a + 1)
    client.force_login(district.office)
    assert figure(client.get(URL, {"period": "year"}), "received") == str(everything + 1)


@pytest.mark.django_db
def test_overdue_open_suggestions_count_against_a_units_on_time_rate(
    client, walk_to, office_user, unit_staff_user, handling_unit
):
    # Issue 14: 100 % beside 7 overdue items, because only replies made were counted.
    import datetime

    from congress_portal.clock import frozen_at
    from dashboard.rollups import refresh_overdue
    from suggestions import services

    with frozen_at(datetime.datetime(2026, 3, 2, 10)):
        answered = walk_to(State.IN_PROGRESS)
        services.suggestion_unit_reply(suggestion=answered, actor=unit_staff_user, text="已修复。")
        late = walk_to(State.DISPATCHED)
        walk_to(State.DISPATCHED, title="同样逾期")
    with frozen_at(datetime.datetime(2026, 3, 16, 10)):
        assert refresh_overdue() == 2  # the two dispatched on 2 March, 5 working days
        assert Suggestion.objects.get(pk=late.pk).is_overdue
        client.force_login(office_user)
        response = client.get(URL, {"period": "year"})
    rows = [
        cells
        for table in response.context["tables"]
        for label, cells in table.rows
        if label.value == handling_unit.name
    ]
    assert rows, "the unit's row"
    # 1 reply in time; 2 suggestions overdue without a reply: 1 / (1 + 2).
    overdue, replies, rate = rows[0][1].value, rows[0][2].value, rows[0][3].value
    assert (overdue, replies, rate) == (2, 1, "33.3%")
