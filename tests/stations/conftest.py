"""Fixtures of the stations tests: a second station with its own staff, stationed delegates,
a topic for the issues raised at reception days."""

import datetime

import pytest

from stations.models import ReceptionRule
from tests.accounts.factories import StationStaffUserFactory
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import StationFactory
from tests.suggestions.factories import CategoryFactory


@pytest.fixture
def category(db):
    return CategoryFactory(name="道路交通")


@pytest.fixture
def other_station(db):
    return StationFactory()


@pytest.fixture
def other_staff_user(other_station):
    """Staff of another station: must see nothing of ``station``."""
    user = StationStaffUserFactory()
    other_station.staff.add(user)
    return user


@pytest.fixture
def stationed(station):
    """Four delegates stationed at ``station``, named so that pinyin order is 甲 乙 丙 丁."""
    names = [("甲", "a"), ("乙", "b"), ("丙", "c"), ("丁", "d")]
    delegates = []
    for name, pinyin in names:
        delegate = DelegateFactory(name=f"代表{name}", name_pinyin=f"daibiao {pinyin}")
        delegate.stations.add(station)
        delegates.append(delegate)
    return delegates


@pytest.fixture
def monthly_rule(station):
    """Seed 001's rule: every month on the 10th, 顺延 on holidays."""
    return ReceptionRule.objects.create(
        station=station,
        kind=ReceptionRule.Kind.MONTHLY,
        day_of_month=10,
        postpone_on_holiday=True,
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )


OFFICIAL_2026 = [
    "2026-01-12",
    "2026-02-10",
    "2026-03-10",
    "2026-04-10",
    "2026-05-11",
    "2026-06-10",
    "2026-07-10",
    "2026-08-10",
    "2026-09-10",
    "2026-10-10",
    "2026-11-10",
    "2026-12-10",
]
