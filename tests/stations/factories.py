import datetime

import factory

from stations.models import ReceptionDay, ReceptionRule, Region, Station


class RegionFactory(factory.django.DjangoModelFactory):
    """A district, the root of the area tree; ``StreetFactory`` hangs one below it."""

    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"测试区{n}")
    kind = Region.Kind.DISTRICT
    parent = None


class StreetFactory(RegionFactory):
    name = factory.Sequence(lambda n: f"测试街道{n}")
    kind = Region.Kind.STREET
    parent = factory.SubFactory(RegionFactory)


class StationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Station

    name = factory.Sequence(lambda n: f"测试{n}号代表联络站")
    kind = Station.Kind.LIAISON
    region = factory.SubFactory(StreetFactory)
    address = factory.Sequence(lambda n: f"测试路{n}号")
    opening_hours = "周一至周五 9:00-17:00"


class ReceptionRuleFactory(factory.django.DjangoModelFactory):
    """Every month on the 10th, postponed to the next working day on holidays (seed 001)."""

    class Meta:
        model = ReceptionRule

    station = factory.SubFactory(StationFactory)
    kind = ReceptionRule.Kind.MONTHLY
    day_of_month = 10
    start_time = datetime.time(9)
    end_time = datetime.time(12)


class ReceptionDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReceptionDay

    station = factory.SubFactory(StationFactory)
    date = factory.Sequence(lambda n: datetime.date(2026, 1, 10) + datetime.timedelta(days=n))
    start_time = datetime.time(9)
    end_time = datetime.time(12)
    theme = "道路交通"
    leader_name = "王主任"
