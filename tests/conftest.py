"""Shared fixtures: one account per role, each linked to what scopes it."""

import pytest
from django.core.cache import cache
from django.db import connection

from suggestions import services
from suggestions.models import FeedbackChannel, RatingValue, State
from tests.accounts.factories import (
    DelegateUserFactory,
    OfficeUserFactory,
    StationStaffUserFactory,
    UnitStaffUserFactory,
)
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import StationFactory
from tests.suggestions.factories import CategoryFactory, HandlingUnitFactory


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need PostgreSQL's behaviour; on another database they skip."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL, the database is {connection.vendor}")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate limits and throttles live in the cache; no test inherits another's counts (nor the
    station counts a worker keeps beside an out-of-process cache: stations.selectors)."""
    from stations import selectors as station_selectors

    cache.clear()
    station_selectors._LOCAL_COUNTS.clear()
    yield
    cache.clear()
    station_selectors._LOCAL_COUNTS.clear()


@pytest.fixture
def station(db):
    return StationFactory()


@pytest.fixture
def handling_unit(db):
    return HandlingUnitFactory()


@pytest.fixture
def office_user(db):
    return OfficeUserFactory()


@pytest.fixture
def station_staff_user(station):
    """Staff of ``station`` (Station.staff)."""
    user = StationStaffUserFactory()
    station.staff.add(user)
    return user


@pytest.fixture
def delegate(station):
    """A delegate with a login account, stationed at ``station``."""
    delegate = DelegateFactory(user=DelegateUserFactory())
    delegate.stations.add(station)
    return delegate


@pytest.fixture
def delegate_user(delegate):
    return delegate.user


@pytest.fixture
def unit_staff_user(handling_unit):
    """A member of ``handling_unit`` (HandlingUnit.members)."""
    user = UnitStaffUserFactory()
    handling_unit.members.add(user)
    return user


# --- The loop: suggestions brought to any state through the services, as users do -----------


@pytest.fixture
def category(handling_unit):
    return CategoryFactory(default_unit=handling_unit)


@pytest.fixture
def submit(station, category):
    def _submit(**overrides):
        fields = dict(
            title="新民路路灯不亮",
            content="小区门口的路灯坏了一个月，晚上出行不便。",
            category=category,
            station=station,
            submitter_name="王大妈",
            submitter_phone="13800138000",
        )
        fields.update(overrides)
        return services.suggestion_submit(**fields)

    return _submit


@pytest.fixture
def walk_to(submit, delegate_user, unit_staff_user, handling_unit):
    """A suggestion in ``state``, reached the way users reach it."""

    def _walk(state, **overrides):
        s = submit(**overrides)
        if state == State.SUBMITTED:
            return s
        s = services.suggestion_accept(suggestion=s, actor=delegate_user)
        if state == State.ACCEPTED:
            return s
        if state == State.MERGED:
            other = submit(title="同一问题")
            return services.suggestion_merge(suggestion=s, into=other, actor=delegate_user)
        s = services.suggestion_dispatch(
            suggestion=s, actor=delegate_user, unit=handling_unit, workdays=5
        )
        if state == State.DISPATCHED:
            return s
        s = services.suggestion_acknowledge(suggestion=s, actor=unit_staff_user)
        if state == State.IN_PROGRESS:
            return s
        s = services.suggestion_unit_reply(suggestion=s, actor=unit_staff_user, text="已修复。")
        if state == State.UNIT_REPLIED:
            return s
        s = services.suggestion_publish(
            suggestion=s, actor=delegate_user, feedback_channel=FeedbackChannel.PHONE
        )
        if state == State.REPLIED:
            return s
        return services.suggestion_rate(suggestion=s, value=RatingValue.SATISFIED)

    return _walk
