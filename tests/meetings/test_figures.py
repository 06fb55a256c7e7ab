"""The dashboard counts a rating meeting's votes once its session closes, for the stations,
areas and units of the suggestions voted on — and never before."""

import datetime

import pytest

from dashboard import rollups
from dashboard.periods import Period
from dashboard.scopes import scope_for
from dashboard.selectors import dashboard_for
from meetings import services
from tests.accounts.factories import OfficeUserFactory

from .conftest import all_satisfied

pytestmark = pytest.mark.django_db

HALF_YEAR = Period("custom", datetime.date(2026, 1, 1), datetime.date(2026, 6, 1))


def _ballots(user, **scope):
    board = dashboard_for(scope_for(user, **scope), HALF_YEAR)
    return board.ballots.satisfied, board.ballots.basic, board.ballots.unsatisfied


def test_votes_count_for_the_station_and_its_areas_once_voting_closes(
    open_session, station, station_staff_user
):
    session, plain = open_session
    office = OfficeUserFactory()
    services.ballot_cast(session=session, code=plain[0], marks=all_satisfied(session))
    services.ballot_cast(
        session=session, code=plain[1], marks=all_satisfied(session, "unsatisfied")
    )
    items = list(session.suggestions.values_list("id", flat=True))
    services.ballot_paper_enter(
        session=session, actor=station_staff_user, totals={items[0]: (1, 1, 0)}
    )

    assert _ballots(office) == (0, 0, 0)  # results are never counted while voting is open

    services.ballot_session_close(session=session, actor=station_staff_user)

    assert _ballots(office) == (2 + 1, 1, 2)
    assert _ballots(office, region=str(station.region_id)) == (3, 1, 2)
    assert _ballots(office, station=str(station.pk)) == (3, 1, 2)
    assert _ballots(station_staff_user) == (3, 1, 2)
    assert rollups.check().ok


def test_the_rebuild_counts_closed_sessions_the_same_way(open_session, station_staff_user):
    session, plain = open_session
    services.ballot_cast(session=session, code=plain[0], marks=all_satisfied(session, "basic"))
    services.ballot_session_close(session=session, actor=station_staff_user)
    office = OfficeUserFactory()
    kept = _ballots(office)

    rollups.rebuild()

    assert _ballots(office) == kept == (0, 2, 0)
