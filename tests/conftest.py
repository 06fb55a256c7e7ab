"""Shared fixtures: one account per role, each linked to what scopes it."""

import pytest
from django.core.cache import cache
from django.db import connection

from tests.accounts.factories import (
    DelegateUserFactory,
    OfficeUserFactory,
    StationStaffUserFactory,
    UnitStaffUserFactory,
)
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import StationFactory
from tests.suggestions.factories import HandlingUnitFactory


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
    """Rate limits and throttles live in the cache; no test inherits another's counts."""
    cache.clear()
    yield
    cache.clear()


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
