import datetime

import pytest

from stations.models import CalendarDay, CalendarYear, ReceptionRule
from stations.services import reception_days_generate
from stations.workdays import WorkCalendar
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def test_monthly_on_the_10th_postponed_gives_the_official_2026_days():
    rule = ReceptionRule.objects.create(
        station=StationFactory(),
        kind=ReceptionRule.Kind.MONTHLY,
        day_of_month=10,
        postpone_on_holiday=True,
    )
    days = reception_days_generate(
        rule=rule, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)
    )
    assert [d.date.strftime("%m-%d") for d in days] == [
        "01-12",
        "02-10",
        "03-10",
        "04-10",
        "05-11",
        "06-10",
        "07-10",
        "08-10",
        "09-10",
        "10-10",
        "11-10",
        "12-10",
    ]


def test_generating_twice_creates_no_duplicates():
    rule = ReceptionRule.objects.create(
        station=StationFactory(), kind=ReceptionRule.Kind.WEEKLY, weekday=1
    )
    period = dict(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    assert len(reception_days_generate(rule=rule, **period)) == 5
    assert reception_days_generate(rule=rule, **period) == []


def test_a_year_the_package_does_not_know_is_provisional_until_the_office_enters_it():
    work = WorkCalendar()
    assert work.is_provisional(2027)
    CalendarYear.objects.create(year=2027, is_official=True)
    CalendarDay.objects.create(date=datetime.date(2027, 2, 8), is_workday=False, name="春节")
    fresh = WorkCalendar()
    assert not fresh.is_provisional(2027)
    assert not fresh.is_workday(datetime.date(2027, 2, 8))  # a Monday, off by override
