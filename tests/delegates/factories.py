import datetime

import factory

from delegates.models import Activity, Constituency, Delegate, Level, Mandate, Term
from tests.stations.factories import StreetFactory


class TermFactory(factory.django.DjangoModelFactory):
    """A county-level term; pass ``level=`` for another level."""

    class Meta:
        model = Term

    level = Level.COUNTY
    number = factory.Sequence(lambda n: 6 + n)
    start_date = datetime.date(2022, 1, 1)
    end_date = datetime.date(2026, 12, 31)


class ConstituencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Constituency

    name = factory.Sequence(lambda n: f"第{n + 1}选区")
    level = Level.COUNTY
    region = factory.SubFactory(StreetFactory)


class DelegateFactory(factory.django.DjangoModelFactory):
    """A serving delegate without a login account (``user=`` links one)."""

    class Meta:
        model = Delegate

    name = factory.Sequence(lambda n: f"代表{n}")
    name_pinyin = factory.Sequence(lambda n: f"daibiao{n}")
    gender = Delegate.Gender.FEMALE
    occupation = "村党支部书记"
    user = None


class MandateFactory(factory.django.DjangoModelFactory):
    """A seat at the level of its term."""

    class Meta:
        model = Mandate

    delegate = factory.SubFactory(DelegateFactory)
    term = factory.SubFactory(TermFactory)
    level = factory.SelfAttribute("term.level")
    constituency = factory.SubFactory(ConstituencyFactory, level=factory.SelfAttribute("..level"))


class ActivityFactory(factory.django.DjangoModelFactory):
    """An activity written straight to the table; pass ``participants=[...]``."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    kind = Activity.Kind.VISIT
    title = factory.Sequence(lambda n: f"走访选民{n}")
    date = datetime.date(2025, 3, 5)

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if create and extracted:
            self.participants.set(extracted)
