import pytest

from meetings.models import BallotMark, BallotSession
from suggestions.models import RatingValue
from tests.constraints import refused_by_database
from tests.meetings.factories import BallotFactory, MeetingFactory
from tests.suggestions.factories import SubmittedSuggestionFactory

pytestmark = pytest.mark.django_db


def test_a_ballot_marks_each_item_once():
    ballot = BallotFactory()
    first, second = SubmittedSuggestionFactory(), SubmittedSuggestionFactory()
    BallotMark.objects.create(ballot=ballot, suggestion=first, value=RatingValue.SATISFIED)
    BallotMark.objects.create(ballot=ballot, suggestion=second, value=RatingValue.BASIC)
    BallotMark.objects.create(
        ballot=BallotFactory(session=ballot.session),
        suggestion=first,
        value=RatingValue.UNSATISFIED,
    )

    with refused_by_database():
        BallotMark.objects.create(ballot=ballot, suggestion=first, value=RatingValue.UNSATISFIED)


@pytest.mark.parametrize("voters", [0, 2001])
def test_a_ballot_session_has_one_to_two_thousand_voters(voters):
    with refused_by_database("ballot_session_voters_range"):
        BallotSession.objects.create(meeting=MeetingFactory(), voters=voters)
