import datetime

import factory

from meetings.models import Ballot, BallotSession, Meeting
from tests.stations.factories import StationFactory


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    kind = Meeting.Kind.RATING
    title = factory.Sequence(lambda n: f"选民评单会{n}")
    station = factory.SubFactory(StationFactory)
    date = datetime.date(2026, 6, 30)


class BallotSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BallotSession

    meeting = factory.SubFactory(MeetingFactory)
    voters = 30


class BallotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ballot

    session = factory.SubFactory(BallotSessionFactory)
