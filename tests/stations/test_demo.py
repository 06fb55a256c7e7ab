import datetime

import pytest

from congress_portal.clock import frozen_at
from stations import demo
from stations.models import ReceptionDay, ReceptionRule, Station
from tests.stations.factories import ReceptionDayFactory, StationFactory

pytestmark = pytest.mark.django_db


def test_the_demo_seed_announces_days_and_adds_a_weekly_station_once(stationed):
    home = StationFactory(kind=Station.Kind.HOME)
    day = ReceptionDayFactory(station=home, date=datetime.date(2026, 3, 10), theme="道路交通")
    site = stationed[0].stations.get()
    site.kind = Station.Kind.WORK
    site.save()

    with frozen_at(datetime.datetime(2026, 3, 1, 9)):
        demo.seed()
        demo.seed()

    day.refresh_from_db()
    assert "道路" in day.announcement
    assert site.rules.filter(kind=ReceptionRule.Kind.WEEKLY).count() == 1
    days = site.reception_days.all()
    assert days.filter(status=ReceptionDay.Status.CANCELLED).count() == 1
    assert all(d.duties.count() == 2 for d in days.exclude(status=ReceptionDay.Status.CANCELLED))
