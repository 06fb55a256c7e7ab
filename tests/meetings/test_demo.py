"""The demo meetings build on the demo district, through the services, once."""

import os

import pytest

from meetings import demo, selectors
from meetings.models import BallotSession, FollowUp, Meeting, Topic
from suggestions.demo import DemoBuilder


# Building the whole demo district takes about a minute: run with PORTAL_DEMO_TESTS=1.
@pytest.mark.skipif(not os.environ.get("PORTAL_DEMO_TESTS"), reason="set PORTAL_DEMO_TESTS=1")
@pytest.mark.django_db
def test_demo_meetings_seed_once_with_a_closed_ballot_and_topics():
    DemoBuilder().build()

    demo.seed()
    demo.seed()

    rating = Meeting.objects.get(title__endswith=demo.RATING_TITLE)
    session = BallotSession.objects.get(meeting=rating)
    result = selectors.ballot_results(session)
    assert session.status == BallotSession.Status.CLOSED
    assert result.ballots == 30 and result.rate == "100%"
    bench = Meeting.objects.get(title=demo.BENCH_TITLE)
    assert Topic.objects.filter(meeting=bench).count() >= 1
    assert FollowUp.objects.filter(topic__meeting=bench, done_at__isnull=False).exists()
    assert selectors.station_ballot_results(rating.station)
