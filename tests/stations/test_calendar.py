"""The office's holiday calendar page: a new year's holidays and make-up working days, filled
from the chinesecalendar package or entered by hand, then marked official; the reception days
the holidays postpone move with them."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from congress_portal.clock import frozen_at
from stations import services
from stations.models import CalendarDay, CalendarYear, ReceptionDay
from stations.workdays import PACKAGE_YEARS, WorkCalendar

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
# Late 2026: the package knows 2026, not 2027.
TODAY = datetime.datetime(2026, 12, 1, 10)
SPRING_2027 = {
    "name": "春节",
    "first_day": "2027-02-06",
    "last_day": "2027-02-13",
    "workdays": "2027-02-20",
}


@pytest.fixture
def frozen():
    with frozen_at(TODAY) as moment:
        yield moment


@pytest.fixture
def office_client(client, office_user, frozen):
    client.force_login(office_user)
    return client


@pytest.fixture
def days_2027(monthly_rule, frozen):
    """The 10th of every month of 2027, generated while 2027 is provisional (plain weekends)."""
    return services.reception_days_generate(
        rule=monthly_rule, start=D("2027-01-01"), end=D("2027-12-31")
    )


def _url(year, name="calendar_year"):
    return reverse(f"stations:{name}", args=[year])


def _dates(station):
    return set(station.reception_days.values_list("date", flat=True))


def test_the_package_covers_2026_and_not_2027():
    assert 2026 in PACKAGE_YEARS and 2027 not in PACKAGE_YEARS


def test_office_fills_2026_from_the_package(office_client, office_user):
    response = office_client.get(_url(2026))
    assert response.status_code == 200
    assert response.context["in_package"]
    assert b'id="calendar-fill"' in response.content
    # Before copying, the page shows what the package holds.
    assert [p["name"] for p in response.context["package_periods"]][:2] == ["元旦", "春节"]
    assert b'id="calendar-package-periods"' in response.content

    response = office_client.post(_url(2026, "calendar_fill"))

    assert response.status_code == 302
    assert response.url == _url(2026)
    spring = CalendarDay.objects.filter(date__year=2026, name="春节")
    assert spring.filter(is_workday=False).count() == 9
    assert set(spring.filter(is_workday=True).values_list("date", flat=True)) == {
        D("2026-02-14"),
        D("2026-02-28"),
    }
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    assert AuditEvent.objects.filter(
        action="calendar_fill_from_package",
        actor=office_user,
        object_id=str(CalendarYear.objects.get(year=2026).pk),
    ).exists()
    # Filling again replaces, never doubles.
    office_client.post(_url(2026, "calendar_fill"))
    assert CalendarDay.objects.filter(date__year=2026).count() == 39
    page = office_client.get(_url(2026))
    assert [p["name"] for p in page.context["periods"]][:2] == ["元旦", "春节"]


def test_a_year_the_package_does_not_know_offers_no_fill(office_client):
    response = office_client.get(_url(2027))
    assert response.status_code == 200
    assert not response.context["in_package"]
    assert response.context["is_provisional"]
    assert b'id="calendar-fill"' not in response.content
    office_client.post(_url(2027, "calendar_fill"))
    assert not CalendarDay.objects.exists()


def test_office_enters_2027_by_hand_and_marks_it_official(
    office_client, office_user, station, days_2027
):
    schedule = reverse("stations:schedule", args=[station.pk])
    assert 2027 in office_client.get(schedule).context["provisional_years"]
    feb = station.reception_days.get(rule_date=D("2027-02-10"))
    assert feb.date == D("2027-02-10")

    response = office_client.post(_url(2027), SPRING_2027)

    assert response.status_code == 302
    holidays = CalendarDay.objects.filter(date__year=2027, is_workday=False)
    assert holidays.count() == 8
    assert CalendarDay.objects.get(date=D("2027-02-20")).is_workday
    # 10 February is now a holiday: the day goes to the next working day, Monday the 15th.
    feb.refresh_from_db()
    assert feb.date == D("2027-02-15")
    assert feb.rule_date == D("2027-02-10")
    assert AuditEvent.objects.filter(action="reception_day_move", object_id=str(feb.pk)).exists()
    add = AuditEvent.objects.get(action="calendar_period_add")
    assert add.actor == office_user and add.detail["moved"] == 1
    # Every other day stays where it was.
    assert _dates(station) == {d.date for d in days_2027} - {D("2027-02-10")} | {D("2027-02-15")}

    response = office_client.post(_url(2027, "calendar_official"))

    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).is_official
    assert not WorkCalendar().is_provisional(2027)
    page = office_client.get(schedule)
    assert 2027 not in page.context["provisional_years"]
    assert b"stations-badge-provisional" not in page.content
    assert AuditEvent.objects.filter(action="calendar_year_mark_official").exists()
    status = office_client.get(_url(2027))
    assert b'data-calendar-status="official"' in status.content
    assert b'id="calendar-official"' not in status.content


def test_removing_a_holiday_brings_its_days_back(office_client, station, days_2027):
    office_client.post(_url(2027), SPRING_2027)
    response = office_client.post(_url(2027, "calendar_remove"), {"name": "春节"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert station.reception_days.get(rule_date=D("2027-02-10")).date == D("2027-02-10")


def test_held_and_hand_moved_days_do_not_move(client, office_user, station, monthly_rule):
    with frozen_at(datetime.datetime(2027, 1, 20, 10)):
        services.reception_days_generate(
            rule=monthly_rule, start=D("2027-01-01"), end=D("2027-03-31")
        )
        january = station.reception_days.get(rule_date=D("2027-01-10"))
        assert january.date == D("2027-01-11")
        services.reception_day_log(day=january, actor=office_user, visitors=12, attended=[])
        march = station.reception_days.get(rule_date=D("2027-03-10"))
        services.reception_day_update(
            day=march,
            actor=office_user,
            date=D("2027-03-09"),
            start_time=march.start_time,
            end_time=march.end_time,
        )
        client.force_login(office_user)
        client.post(
            _url(2027),
            {"name": "测试假日", "first_day": "2027-01-11", "last_day": "2027-01-12"},
        )
        client.post(
            _url(2027),
            {"name": "另一假日", "first_day": "2027-03-08", "last_day": "2027-03-10"},
        )
    january.refresh_from_db()
    march.refresh_from_db()
    assert (january.date, january.status) == (D("2027-01-11"), ReceptionDay.Status.HELD)
    assert march.date == D("2027-03-09")


def test_a_day_whose_next_working_day_is_taken_is_cancelled_with_the_reason(
    office_client, station, days_2027
):
    ReceptionDay.objects.create(station=station, date=D("2027-02-15"))
    office_client.post(_url(2027), SPRING_2027)
    feb = station.reception_days.get(rule_date=D("2027-02-10"))
    assert feb.date == D("2027-02-10")
    assert feb.status == ReceptionDay.Status.CANCELLED
    assert feb.cancel_reason


@pytest.mark.parametrize(
    "data, field",
    [
        ({"first_day": "2027-02-13", "last_day": "2027-02-06"}, "last_day"),
        ({"first_day": "2026-12-31", "last_day": "2027-01-02"}, "first_day"),
        ({"last_day": "2028-01-02"}, "last_day"),
        ({"workdays": "2027-02-08"}, "workdays"),  # inside the holiday: both at once
        ({"workdays": "2027-02-17"}, "workdays"),  # a Wednesday is a working day anyway
        ({"workdays": "2028-01-08"}, "workdays"),
        ({"workdays": "2027-02-30"}, "workdays"),
        ({"name": ""}, "name"),
        ({"first_day": "2027-01-01", "last_day": "2027-03-01"}, "last_day"),
    ],
)
def test_bad_ranges_are_form_errors_and_nothing_is_saved(office_client, data, field):
    response = office_client.post(_url(2027), {**SPRING_2027, **data})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert b"alert-danger" in response.content
    assert not CalendarDay.objects.exists()


def test_a_holiday_overlapping_one_entered_is_refused(office_client):
    office_client.post(_url(2027), SPRING_2027)
    response = office_client.post(
        _url(2027), {"name": "重复", "first_day": "2027-02-12", "last_day": "2027-02-16"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not CalendarDay.objects.filter(name="重复").exists()
    # A make-up day entered as another holiday's day off is refused too.
    response = office_client.post(
        _url(2027), {"name": "重复", "first_day": "2027-02-20", "last_day": "2027-02-20"}
    )
    assert response.status_code == 200
    assert CalendarDay.objects.get(date=D("2027-02-20")).is_workday


def test_a_year_without_holidays_cannot_be_marked_official(office_client):
    response = office_client.post(_url(2028, "calendar_official"), follow=True)
    assert response.status_code == 200
    assert not CalendarYear.objects.filter(year=2028, is_official=True).exists()


def test_years_out_of_range_are_404(office_client):
    assert office_client.get(_url(1999)).status_code == 404
    assert office_client.post(_url(2101, "calendar_official")).status_code == 404


def test_the_calendar_without_a_year_opens_next_year(office_client):
    response = office_client.get(reverse("stations:calendar_current"))
    assert response.status_code == 302
    assert response.url == _url(2027)


@pytest.mark.parametrize("name", ["calendar_year", "calendar_fill", "calendar_official"])
def test_other_roles_get_403_and_anonymous_the_login(
    client, station_staff_user, delegate_user, unit_staff_user, name
):
    for user in (station_staff_user, delegate_user, unit_staff_user):
        client.force_login(user)
        assert client.get(_url(2027, name)).status_code in (403, 405)
        assert client.post(_url(2027, name), SPRING_2027).status_code == 403
    client.logout()
    assert client.get(_url(2027)).status_code == 302
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.filter(is_official=True).exists()


def test_the_services_refuse_other_roles(station_staff_user):
    with pytest.raises(services.NotAllowed):
        services.calendar_year_mark_official(year=2027, actor=station_staff_user)
    with pytest.raises(services.NotAllowed):
        services.calendar_period_add(
            year=2027,
            name="春节",
            first_day=D("2027-02-06"),
            last_day=D("2027-02-13"),
            actor=station_staff_user,
        )


def test_the_calendar_page_costs_a_fixed_handful_of_queries(
    office_client, django_assert_max_num_queries
):
    office_client.post(_url(2026, "calendar_fill"))
    office_client.get(_url(2026))
    with django_assert_max_num_queries(6):
        response = office_client.get(_url(2026))
    assert len(response.context["periods"]) == 7


def test_office_pages_link_to_the_calendar_page_not_the_admin(office_client, station):
    manage = office_client.get(reverse("stations:manage"))
    assert _url(2026).encode() in manage.content and _url(2027).encode() in manage.content
    assert b"/admin/" not in manage.content
    schedule = office_client.get(reverse("stations:schedule", args=[station.pk]))
    assert b'data-calendar-link="2027"' in schedule.content
    assert b"calendarday" not in schedule.content


def test_a_holiday_added_in_the_admin_moves_the_day_too(client, station, days_2027):
    from suggestions.demo import office_account_setup
    from tests.accounts.factories import OfficeUserFactory

    office = office_account_setup(OfficeUserFactory())
    client.force_login(office)
    response = client.post(
        reverse("admin:stations_calendarday_add"),
        {"date": "2027-03-10", "is_workday": "", "name": "测试假日"},
    )
    assert response.status_code == 302
    march = station.reception_days.get(rule_date=D("2027-03-10"))
    assert march.date == D("2027-03-11")
    day = CalendarDay.objects.get(date=D("2027-03-10"))
    response = client.post(
        reverse("admin:stations_calendarday_delete", args=[day.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    march.refresh_from_db()
    assert march.date == D("2027-03-10")
    assert AuditEvent.objects.filter(action="calendar_day_delete").exists()
