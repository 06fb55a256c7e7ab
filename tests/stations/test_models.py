import datetime

import pytest

from stations.models import ReceptionDay, ReceptionRule, Region, Station
from tests.constraints import refused_by_database
from tests.stations.factories import (
    ReceptionDayFactory,
    ReceptionRuleFactory,
    RegionFactory,
    StationFactory,
)

pytestmark = pytest.mark.django_db


def test_only_a_province_city_or_district_can_be_the_root_of_the_area_tree():
    province = Region.objects.create(name="甘肃省", kind=Region.Kind.PROVINCE)
    city = Region.objects.create(name="张掖市", kind=Region.Kind.CITY, parent=province)
    district = Region.objects.create(name="东区", kind=Region.Kind.DISTRICT)
    Region.objects.create(name="东南街道", kind=Region.Kind.STREET, parent=district)
    Region.objects.create(name="甘州区", kind=Region.Kind.DISTRICT, parent=city)

    with refused_by_database("region_only_upper_levels_are_roots"):
        Region.objects.create(name="西南街道", kind=Region.Kind.STREET)


def test_an_area_knows_its_path_from_the_root_and_a_move_takes_its_subtree_along():
    province = Region.objects.create(name="甘肃省", kind=Region.Kind.PROVINCE)
    city = Region.objects.create(name="张掖市", kind=Region.Kind.CITY, parent=province)
    other_city = Region.objects.create(name="酒泉市", kind=Region.Kind.CITY, parent=province)
    district = Region.objects.create(name="甘州区", kind=Region.Kind.DISTRICT, parent=city)
    street = Region.objects.create(name="东街街道", kind=Region.Kind.STREET, parent=district)

    assert street.ancestor_ids == [province.pk, city.pk, district.pk, street.pk]
    assert street.depth == 3
    assert set(Region.objects.filter(path__startswith=city.path).values_list("pk", flat=True)) == {
        city.pk,
        district.pk,
        street.pk,
    }

    district.parent = other_city
    district.save()

    street.refresh_from_db()
    assert street.ancestor_ids == [province.pk, other_city.pk, district.pk, street.pk]
    assert street.depth == 3
    assert not Region.objects.filter(path__startswith=city.path).exclude(pk=city.pk).exists()


def test_two_areas_under_one_parent_cannot_share_a_name():
    district = RegionFactory()
    Region.objects.create(name="金鸡村", kind=Region.Kind.VILLAGE, parent=district)
    Region.objects.create(name="金鸡村", kind=Region.Kind.VILLAGE, parent=RegionFactory())

    with refused_by_database():
        Region.objects.create(name="金鸡村", kind=Region.Kind.VILLAGE, parent=district)


def test_a_station_cannot_be_its_own_parent():
    home = StationFactory(kind=Station.Kind.HOME)
    station = StationFactory(parent=home)

    with refused_by_database("station_not_own_parent"):
        Station.objects.filter(pk=station.pk).update(parent=station)


def test_a_monthly_rule_on_a_day_of_the_month_is_accepted():
    rule = ReceptionRuleFactory(kind=ReceptionRule.Kind.MONTHLY, day_of_month=31)

    assert ReceptionRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize("day_of_month", [None, 0, 32])
def test_a_monthly_reception_rule_needs_a_day_of_the_month(day_of_month):
    with refused_by_database("rule_monthly_has_day"):
        ReceptionRuleFactory(kind=ReceptionRule.Kind.MONTHLY, day_of_month=day_of_month)


def test_a_weekly_rule_on_a_weekday_is_accepted():
    rule = ReceptionRuleFactory(kind=ReceptionRule.Kind.WEEKLY, day_of_month=None, weekday=6)

    assert ReceptionRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.parametrize("weekday", [None, 7])
def test_a_weekly_reception_rule_needs_a_weekday(weekday):
    with refused_by_database("rule_weekly_has_weekday"):
        ReceptionRuleFactory(kind=ReceptionRule.Kind.WEEKLY, day_of_month=None, weekday=weekday)


def test_a_rule_of_explicit_dates_needs_neither_day_nor_weekday():
    rule = ReceptionRuleFactory(
        kind=ReceptionRule.Kind.EXPLICIT,
        day_of_month=None,
        weekday=None,
        explicit_dates=["2026-03-10", "2026-09-10"],
    )

    assert ReceptionRule.objects.filter(pk=rule.pk).exists()


def test_a_reception_rule_must_end_after_it_starts():
    station = StationFactory()

    with refused_by_database("rule_ends_after_start"):
        ReceptionRuleFactory(
            station=station, start_time=datetime.time(12), end_time=datetime.time(12)
        )
    with refused_by_database("rule_ends_after_start"):
        ReceptionRuleFactory(
            station=station, start_time=datetime.time(14), end_time=datetime.time(9)
        )


def test_a_station_has_one_reception_day_per_date():
    day = ReceptionDayFactory(date=datetime.date(2026, 3, 10))
    ReceptionDayFactory(date=day.date)  # another station, the same date

    with refused_by_database():
        ReceptionDayFactory(station=day.station, date=day.date)


def test_a_cancelled_reception_day_needs_a_reason():
    ReceptionDayFactory(status=ReceptionDay.Status.CANCELLED, cancel_reason="暴雨红色预警")

    with refused_by_database("reception_day_cancel_has_reason"):
        ReceptionDayFactory(status=ReceptionDay.Status.CANCELLED, cancel_reason="")


def test_a_reception_day_must_end_after_it_starts():
    with refused_by_database("reception_day_ends_after_start"):
        ReceptionDayFactory(start_time=datetime.time(9), end_time=datetime.time(8, 30))


def test_a_station_cannot_be_nested_inside_its_own_child(db):
    from django.core.exceptions import ValidationError

    from tests.stations.factories import StationFactory

    home = StationFactory()
    child = StationFactory(parent=home)
    home.parent = child
    with pytest.raises(ValidationError):
        home.full_clean()
