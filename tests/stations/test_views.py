import datetime
import re
import uuid

import pytest
from django.urls import reverse
from icalendar import Calendar

from congress_portal.clock import frozen_at
from stations import services
from stations.models import ReceptionDay, ReceptionRule
from suggestions.models import Channel, Suggestion
from tests.delegates.factories import DelegateFactory
from tests.stations.conftest import OFFICIAL_2026
from tests.stations.factories import StationFactory, StreetFactory

pytestmark = pytest.mark.django_db

JAN_1 = datetime.datetime(2026, 1, 1, 9)


def _year(rule):
    return services.reception_days_generate(
        rule=rule, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)
    )


def _feed_dates(content: bytes, *, status=None) -> list[str]:
    calendar = Calendar.from_ical(content)
    return sorted(
        event.decoded("dtstart").date().isoformat()
        for event in calendar.walk("VEVENT")
        if status is None or str(event.get("status")) == status
    )


# --- public pages -----------------------------------------------------------------------------


def test_the_station_page_shows_the_2026_reception_days_postponed_on_holidays(
    client, station, monthly_rule
):
    _year(monthly_rule)
    with frozen_at(JAN_1):
        response = client.get(reverse("stations:detail", args=[station.pk]))

    html = response.content.decode()
    shown = re.findall(r'<time(?: class="[^"]*")? datetime="(2026-\d\d-\d\d)"', html)
    assert sorted(set(shown)) == OFFICIAL_2026
    assert reverse("stations:calendar", args=[station.pk]) in html
    assert reverse("stations:bulletin", args=[station.pk]) in html


def test_the_page_the_feed_and_the_bulletin_show_the_same_days(client, station, monthly_rule):
    days = _year(monthly_rule)
    may = next(d for d in days if d.date.month == 5)
    with frozen_at(JAN_1):
        services.reception_day_cancel(day=may, actor=None, reason="场地维修")
        page = client.get(reverse("stations:detail", args=[station.pk])).content.decode()
        feed = client.get(reverse("stations:calendar", args=[station.pk]))
        bulletins = {
            month: client.get(
                reverse("stations:bulletin", args=[station.pk]), {"month": f"2026-{month:02d}"}
            ).content.decode()
            for month in range(1, 13)
        }

    assert feed["Content-Type"] == "text/calendar; charset=utf-8"
    feed_dates = _feed_dates(feed.content)
    page_dates = sorted(set(re.findall(r'<time(?: class="[^"]*")? datetime="(2026-[\d-]+)"', page)))
    bulletin_dates = sorted(
        date
        for html in bulletins.values()
        for date in re.findall(r'<time datetime="(2026-[\d-]+)"', html)
    )
    assert feed_dates == page_dates == bulletin_dates == OFFICIAL_2026
    assert _feed_dates(feed.content, status="CANCELLED") == ["2026-05-11"]
    assert "场地维修" in page and "场地维修" in bulletins[5]


def test_the_feed_of_all_stations_has_every_active_stations_days(client, station, monthly_rule):
    _year(monthly_rule)
    other = StationFactory()
    services.reception_days_generate(
        rule=ReceptionRule.objects.create(
            station=other, kind=ReceptionRule.Kind.EXPLICIT, explicit_dates=["2026-02-03"]
        ),
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
    )
    StationFactory(is_active=False)
    with frozen_at(JAN_1):
        response = client.get(reverse("stations:calendar_all"))

    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 13
    assert any(other.name in str(event.get("summary")) for event in events)
    first = next(e for e in events if e.decoded("dtstart").date() == datetime.date(2026, 1, 12))
    assert first.decoded("dtstart").utcoffset() == datetime.timedelta(hours=8)


def test_the_list_shows_each_stations_next_reception_day_and_finds_by_area(
    client, station, monthly_rule
):
    _year(monthly_rule)
    village = StreetFactory(name="中垛乡")
    elsewhere = StationFactory(region=village, name="白额村联络点")
    with frozen_at(datetime.datetime(2026, 4, 20, 9)):
        everything = client.get(reverse("stations:list")).content.decode()
        found = client.get(reverse("stations:list"), {"q": "中垛"}).content.decode()

    assert "2026年5月11日" in everything
    assert elsewhere.name in found and station.name not in found


def test_the_station_page_gives_the_figures_and_the_submit_button(client, station, monthly_rule):
    day = _year(monthly_rule)[0]
    with frozen_at(datetime.datetime(2026, 2, 1, 9)):
        services.reception_day_log(day=day, actor=None, visitors=68, attended=[])
        response = client.get(
            reverse("stations:detail", args=[station.pk]), HTTP_COOKIE="django_language=en"
        )

    text = re.sub(r"<[^>]+>|\s+", " ", response.content.decode())
    text = re.sub(r" +", " ", text)
    assert "Since the start of 2026" in text
    assert "68 residents received" in text and "0 suggestions received" in text
    assert f"{reverse('suggestions:new')}?station={station.pk}" in response.content.decode()


def test_the_bulletin_shows_contacts_only_with_consent_and_a_qr_code_of_the_form(
    client, station, monthly_rule, settings
):
    settings.PORTAL_PUBLIC_BASE_URL = "https://rd.example.gov.cn"
    consenting = DelegateFactory(name="张建华", phone="13912345678", consent_public_contact=True)
    private = DelegateFactory(name="李秀英", phone="13887654321", consent_public_contact=False)
    for delegate in (consenting, private):
        delegate.stations.add(station)
    station.manager_name = "王主任"
    station.save()
    day = _year(monthly_rule)[2]
    services.reception_day_set_duty(
        day=day, delegates=[consenting, private], leader_name="赵书记", theme="道路交通"
    )
    with frozen_at(datetime.datetime(2026, 3, 1, 9)):
        response = client.get(reverse("stations:bulletin", args=[station.pk]))

    html = response.content.decode()
    assert "张建华" in html and "13912345678" in html
    assert "李秀英" in html and "13887654321" not in html
    assert "王主任" in html and "赵书记" in html and "道路交通" in html
    url = f"https://rd.example.gov.cn/suggestions/new/?station={station.pk}"
    assert url in html
    assert 'style="' not in html
    qr = client.get(reverse("stations:bulletin_qr", args=[station.pk]))
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg") and b"style=" not in qr.content
    assert b"<script" not in qr.content


def test_the_qr_code_encodes_the_suggestion_address(client, station, settings):
    zxingcpp = pytest.importorskip("zxingcpp")
    pytest.importorskip("PIL")
    import io

    import segno
    from PIL import Image

    settings.PORTAL_PUBLIC_BASE_URL = "https://rd.example.gov.cn"
    # The view's SVG is segno's; decode the same code rendered as PNG.
    from stations.views import suggest_url

    buffer = io.BytesIO()
    segno.make(suggest_url(station), error="m").save(buffer, kind="png", scale=6, border=4)
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert decoded[0].text == f"https://rd.example.gov.cn/suggestions/new/?station={station.pk}"


def test_without_a_configured_address_the_bulletin_prints_the_requests_own_host(
    client, station, settings
):
    import io

    import segno

    settings.PORTAL_PUBLIC_BASE_URL = ""
    settings.ALLOWED_HOSTS = ["portal.test", "testserver"]
    expected = f"http://portal.test:8123/suggestions/new/?station={station.pk}"
    page = client.get(reverse("stations:bulletin", args=[station.pk]), HTTP_HOST="portal.test:8123")
    assert expected in page.content.decode()
    assert "127.0.0.1:8000" not in page.content.decode()
    qr = client.get(
        reverse("stations:bulletin_qr", args=[station.pk]), HTTP_HOST="portal.test:8123"
    )
    buffer = io.BytesIO()
    segno.make(expected, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, title=station.name
    )
    assert qr.content == buffer.getvalue()


def test_a_bad_month_on_the_bulletin_falls_back_to_this_month(client, station):
    for month in ("abc", "2026-13", "99999-01", "\x00"):
        response = client.get(reverse("stations:bulletin", args=[station.pk]), {"month": month})
        assert response.status_code == 200


def test_an_inactive_station_has_no_public_feed_or_bulletin(client):
    hidden = StationFactory(is_active=False)
    for name in ("stations:calendar", "stations:bulletin", "stations:bulletin_qr"):
        assert client.get(reverse(name, args=[hidden.pk])).status_code == 404


# --- staff pages: scope -----------------------------------------------------------------------


@pytest.fixture
def staff_urls(station, monthly_rule):
    day = _year(monthly_rule)[0]
    return [
        reverse("stations:schedule", args=[station.pk]),
        reverse("stations:ledger", args=[station.pk]),
        reverse("stations:rule_new", args=[station.pk]),
        reverse("stations:rule_edit", args=[monthly_rule.pk]),
        reverse("stations:rule_delete", args=[monthly_rule.pk]),
        reverse("stations:rule_generate", args=[monthly_rule.pk]),
        reverse("stations:day_edit", args=[day.pk]),
        reverse("stations:day_duty", args=[day.pk]),
        reverse("stations:day_log", args=[day.pk]),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, staff_urls):
    for url in [*staff_urls, reverse("stations:manage"), reverse("stations:my_duties")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


@pytest.mark.parametrize("who", ["other_staff_user", "delegate_user", "unit_staff_user"])
def test_anyone_but_the_stations_staff_and_the_office_gets_404(client, staff_urls, who, request):
    client.force_login(request.getfixturevalue(who))
    for url in staff_urls:
        assert client.get(url).status_code == 404, url
    for url in staff_urls[2:]:  # the pages with a form
        assert client.post(url, {}).status_code == 404, url


@pytest.mark.parametrize("who", ["station_staff_user", "office_user"])
def test_the_stations_staff_and_the_office_open_every_staff_page(client, staff_urls, who, request):
    client.force_login(request.getfixturevalue(who))
    with frozen_at(datetime.datetime(2026, 1, 20, 9)):
        for url in staff_urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert 'style="' not in response.content.decode()


def test_staff_of_another_station_cannot_accept_a_rotation_or_cancel_there(
    client, staff_urls, other_staff_user, station, stationed
):
    day = station.reception_days.first()
    client.force_login(other_staff_user)
    assert client.post(reverse("stations:day_duty_accept", args=[day.pk])).status_code == 404
    response = client.post(reverse("stations:day_cancel", args=[day.pk]), {"cancel_reason": "x"})
    assert response.status_code == 404
    day.refresh_from_db()
    assert day.status == ReceptionDay.Status.SCHEDULED and not day.duties.exists()


# --- staff pages: flows -----------------------------------------------------------------------


def test_staff_create_a_rule_and_generate_the_year(client, station, station_staff_user):
    client.force_login(station_staff_user)
    response = client.post(
        reverse("stations:rule_new", args=[station.pk]),
        {
            "kind": "monthly",
            "day_of_month": "10",
            "weekday": "",
            "explicit_dates": "",
            "postpone_on_holiday": "on",
            "start_time": "09:00",
            "end_time": "12:00",
            "duty_delegates": "2",
            "is_active": "on",
        },
    )
    rule = station.rules.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("stations:rule_generate", args=[rule.pk])

    with frozen_at(JAN_1):
        url = reverse("stations:rule_generate", args=[rule.pk])
        client.post(url, {"start": "2026-01-01", "end": "2026-12-31"})
        client.post(url, {"start": "2026-01-01", "end": "2026-12-31"})  # twice: idempotent
        schedule = client.get(reverse("stations:schedule", args=[station.pk]))

    dates = [d.isoformat() for d in station.reception_days.values_list("date", flat=True)]
    assert sorted(dates) == OFFICIAL_2026
    assert "2026年5月11日" in schedule.content.decode()


def test_a_bad_rule_form_keeps_what_was_typed(client, station, station_staff_user):
    client.force_login(station_staff_user)
    response = client.post(
        reverse("stations:rule_new", args=[station.pk]),
        {
            "kind": "explicit",
            "explicit_dates": "2026-03-10\n2025-02-30",
            "start_time": "09:00",
            "end_time": "12:00",
            "duty_delegates": "2",
        },
    )
    assert response.status_code == 200
    assert "2025-02-30" in response.content.decode()
    assert not station.rules.exists()


def test_a_year_the_holiday_package_does_not_know_is_flagged_provisional(
    client, station, station_staff_user, office_user
):
    rule = ReceptionRule.objects.create(station=station, kind="monthly", day_of_month=10)
    services.reception_days_generate(
        rule=rule, start=datetime.date(2027, 1, 1), end=datetime.date(2027, 3, 31)
    )
    with frozen_at(datetime.datetime(2026, 12, 20, 9)):
        client.force_login(station_staff_user)
        staff_page = client.get(reverse("stations:schedule", args=[station.pk])).content.decode()
        public = client.get(reverse("stations:detail", args=[station.pk])).content.decode()
        client.force_login(office_user)
        office_page = client.get(reverse("stations:schedule", args=[station.pk])).content.decode()

    for html in (staff_page, public):
        assert "stations-badge-provisional" in html
    # The office is sent to its calendar page for that year (the staff is not).
    calendar_link = reverse("stations:calendar_year", args=[2027])
    assert calendar_link in office_page and calendar_link not in staff_page


def test_staff_edit_and_cancel_a_day_and_the_public_sees_the_reason(
    client, station, station_staff_user, monthly_rule
):
    day = _year(monthly_rule)[3]
    client.force_login(station_staff_user)
    with frozen_at(JAN_1):
        client.post(
            reverse("stations:day_edit", args=[day.pk]),
            {
                "date": "2026-04-10",
                "start_time": "09:00",
                "end_time": "11:30",
                "theme": "产业发展",
                "announcement": "欢迎种植户反映产业发展问题",
                "leader_name": "刘乡长",
                "version": day.version,
            },
        )
        day.refresh_from_db()
        stale = day.version - 1
        response = client.post(
            reverse("stations:day_cancel", args=[day.pk]),
            {"cancel_reason": "乡里统一安排", "version": stale},
        )
        assert response.status_code == 200  # someone changed it meanwhile: says so
        client.post(
            reverse("stations:day_cancel", args=[day.pk]),
            {"cancel_reason": "暴雨红色预警，改期另行通知", "version": day.version},
        )
        public = client.get(reverse("stations:detail", args=[station.pk])).content.decode()

    day.refresh_from_db()
    assert (day.theme, day.leader_name, day.status) == ("产业发展", "刘乡长", "cancelled")
    assert "暴雨红色预警，改期另行通知" in public


def test_staff_accept_the_rotation_with_one_click_or_choose_themselves(
    client, station, station_staff_user, monthly_rule, stationed
):
    a, b, _c, d = stationed
    jan, feb = _year(monthly_rule)[:2]
    client.force_login(station_staff_user)
    client.post(reverse("stations:day_duty_accept", args=[jan.pk]), {"version": jan.version})
    client.post(
        reverse("stations:day_duty", args=[feb.pk]),
        {"delegates": [a.pk, d.pk], "leader_name": "王主任", "version": feb.version},
    )

    assert {x.delegate for x in jan.duties.all()} == {a, b}
    assert {x.delegate for x in feb.duties.all()} == {a, d}
    feb.refresh_from_db()
    assert feb.leader_name == "王主任"


def test_a_delegate_sees_their_own_duty_days(
    client, station, monthly_rule, delegate, delegate_user, stationed
):
    days = _year(monthly_rule)
    services.reception_day_set_duty(day=days[1], delegates=[delegate, stationed[0]])
    services.reception_day_set_duty(day=days[2], delegates=stationed[1:3])
    client.force_login(delegate_user)
    with frozen_at(JAN_1):
        html = client.get(reverse("stations:my_duties")).content.decode()

    assert 'datetime="2026-02-10"' in html and 'datetime="2026-03-10"' not in html


def test_the_log_form_puts_three_issues_in_the_loop_and_the_figures_move(
    client, station, station_staff_user, monthly_rule, stationed, category
):
    a, b, *_ = stationed
    day = _year(monthly_rule)[2]
    services.reception_day_set_duty(day=day, delegates=[a, b])
    day.refresh_from_db()
    data = {
        "submission_key": str(uuid.uuid4()),
        "version": day.version,
        "attended": [a.pk, b.pk],
        "visitors": "9",
        "notes": "群众反映集中在道路和环境方面",
        "issue-TOTAL_FORMS": "4",
        "issue-INITIAL_FORMS": "0",
        "issue-MIN_NUM_FORMS": "0",
        "issue-MAX_NUM_FORMS": "30",
    }
    for n in range(3):
        data.update(
            {
                f"issue-{n}-category": category.pk,
                f"issue-{n}-title": f"村道坑洼{n}",
                f"issue-{n}-content": f"通往{n}组的村道坑洼，雨天难行。",
            }
        )
    data["issue-0-submitter_phone"] = "+86 138-0013-8000"
    client.force_login(station_staff_user)
    with frozen_at(datetime.datetime(2026, 3, 10, 15)):
        before = client.get(reverse("stations:detail", args=[station.pk])).context["figures"]
        response = client.post(reverse("stations:day_log", args=[day.pk]), data)
        again = client.post(reverse("stations:day_log", args=[day.pk]), data)  # double click
        after = client.get(reverse("stations:detail", args=[station.pk])).context["figures"]
        ledger = client.get(reverse("stations:ledger", args=[station.pk])).content.decode()
        log = client.get(reverse("stations:day_log", args=[day.pk])).content.decode()

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert again.status_code in (200, 302)
    suggestions = Suggestion.objects.filter(reception_day=day)
    assert suggestions.count() == 3
    assert all(s.channel == Channel.RECEPTION_DAY and s.station == station for s in suggestions)
    assert suggestions.get(title="村道坑洼0").submitter_phone == "13800138000"
    assert after["received"] - before["received"] == 3
    assert after["visitors"] - before["visitors"] == 9
    assert re.search(r'stations-ledger-visitors">9<', ledger)
    assert re.search(r'stations-ledger-suggestions">3<', ledger)
    assert "13800138000" not in ledger
    # The codes read out to residents, in groups of four as everywhere else.
    for suggestion in suggestions:
        assert f"<code>{suggestion.formatted_code}</code>" in log


def test_a_bad_issue_row_saves_nothing_and_keeps_the_input(
    client, station, station_staff_user, monthly_rule, category
):
    day = _year(monthly_rule)[2]
    data = {
        "submission_key": str(uuid.uuid4()),
        "version": day.version,
        "visitors": "5",
        "notes": "",
        "issue-TOTAL_FORMS": "2",
        "issue-INITIAL_FORMS": "0",
        "issue-MIN_NUM_FORMS": "0",
        "issue-MAX_NUM_FORMS": "30",
        "issue-0-category": category.pk,
        "issue-0-title": "路灯不亮",
        "issue-0-content": "新民路路灯坏了",
        "issue-1-title": "只写了标题",
        "issue-1-submitter_phone": "12345",
    }
    client.force_login(station_staff_user)
    with frozen_at(datetime.datetime(2026, 3, 10, 15)):
        response = client.post(reverse("stations:day_log", args=[day.pk]), data)

    assert response.status_code == 200
    assert "只写了标题" in response.content.decode()
    assert not Suggestion.objects.exists()
    day.refresh_from_db()
    assert day.logged_at is None
