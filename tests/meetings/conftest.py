"""Fixtures of meetings and ballots, built through the services as staff would."""

import datetime

import pytest

from congress_portal.clock import frozen_at
from meetings import services
from meetings.models import Meeting
from suggestions import services as loop
from tests.accounts.factories import StationStaffUserFactory
from tests.stations.factories import StationFactory
from tests.suggestions.factories import CategoryFactory

MEETING_DAY = datetime.date(2026, 6, 28)


@pytest.fixture
def category(handling_unit):
    return CategoryFactory(default_unit=handling_unit, name="道路交通")


@pytest.fixture
def submit(station, category):
    def _submit(**overrides):
        fields = dict(
            title="新民路路灯不亮",
            content="小区门口的路灯坏了一个月，晚上出行不便。",
            category=category,
            station=station,
        )
        fields.update(overrides)
        return loop.suggestion_submit(**fields)

    return _submit


@pytest.fixture
def replied(submit, delegate_user):
    """A suggestion handled on the spot in May 2026: replied, ready to be rated at the
    half-year meeting."""

    def _replied(**overrides):
        with frozen_at(datetime.datetime(2026, 5, 12, 10, 0)):
            suggestion = submit(**overrides)
            suggestion = loop.suggestion_accept(suggestion=suggestion, actor=delegate_user)
            return loop.suggestion_handle_on_spot(
                suggestion=suggestion, actor=delegate_user, result="当场联系物业修好了。"
            )

    return _replied


@pytest.fixture
def meeting_of(station_staff_user, station):
    def _meeting(kind=Meeting.Kind.RATING, **fields):
        fields.setdefault("title", "2026年上半年选民评单会")
        return services.meeting_create(
            actor=station_staff_user,
            station=station,
            kind=kind,
            date=fields.pop("date", MEETING_DAY),
            **fields,
        )

    return _meeting


@pytest.fixture
def rating_meeting(meeting_of):
    return meeting_of()


@pytest.fixture
def items(replied):
    return [
        replied(title="新民路路灯不亮", consent_disclosure=True),
        replied(title="南苑小区垃圾清运不及时"),
    ]


@pytest.fixture
def open_session(rating_meeting, items, station_staff_user):
    """A session with two items and 5 voters, codes issued: (session, plain codes)."""
    session = services.ballot_session_prepare(
        meeting=rating_meeting, actor=station_staff_user, suggestions=items, voters=5
    )
    plain = services.ballot_codes_issue(session=session, actor=station_staff_user)
    session.refresh_from_db()
    return session, plain


@pytest.fixture
def other_station_staff(db):
    user = StationStaffUserFactory()
    StationFactory().staff.add(user)
    return user


def all_satisfied(session, value="satisfied"):
    return {pk: value for pk in session.suggestions.values_list("id", flat=True)}
