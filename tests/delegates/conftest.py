"""Fixtures of the delegates' records: a second delegate, a frozen clock, a category."""

import datetime

import pytest

from congress_portal.clock import frozen_at
from tests.accounts.factories import DelegateUserFactory
from tests.delegates.factories import DelegateFactory
from tests.suggestions.factories import CategoryFactory

# Mid-2026: 2025 is a whole past year, 2026 is half gone.
TODAY = datetime.datetime(2026, 7, 15, 10, 0)


@pytest.fixture
def frozen():
    with frozen_at(TODAY) as moment:
        yield moment


@pytest.fixture
def other_delegate(station):
    """Another delegate with an account, stationed at the same station."""
    delegate = DelegateFactory(user=DelegateUserFactory())
    delegate.stations.add(station)
    return delegate


@pytest.fixture
def category(handling_unit):
    return CategoryFactory(default_unit=handling_unit)
