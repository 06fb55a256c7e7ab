"""The public directory: pinyin search (surnames read as surnames) and the filters."""

import datetime

import pytest
from django.urls import reverse

from delegates.models import Delegate, Level
from delegates.services import delegate_save
from tests.delegates.factories import MandateFactory, TermFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def _delegate(name):
    return delegate_save(delegate=Delegate(name=name))


def _found(client, **params):
    response = client.get(reverse("delegates:list"), params)
    return {delegate.name for delegate in response.context["delegates"]}


@pytest.fixture
def people(db):
    return {
        name: _delegate(name)
        for name in ["张建华", "单雄飞", "曾小贤", "解晓东", "仇海", "朴美玲", "陈丹"]
    }


def test_a_full_names_pinyin_finds_the_delegate(client, people):
    assert _found(client, q="zhangjianhua") == {"张建华"}
    assert _found(client, q="zhang jian hua") == {"张建华"}


def test_initials_find_the_delegate(client, people):
    assert _found(client, q="zjh") == {"张建华"}


def test_the_start_of_the_chinese_name_finds_the_delegate(client, people):
    # A prefix search (indexed at any size): the surname, or the surname and more.
    assert _found(client, q="张建") == {"张建华"}
    assert _found(client, q="张 建华") == {"张建华"}
    assert "张建华" in _found(client, q="张")


def test_initials_and_pinyin_prefixes_find_the_delegate(client, people):
    assert "张建华" in _found(client, q="zh")
    assert "张建华" in _found(client, q="ZHANG")
    assert "张建华" in _found(client, q="ｚｊ")  # full-width letters from a Chinese keyboard
    assert "陈丹" not in _found(client, q="zh")


@pytest.mark.parametrize(
    "query, name",
    [
        ("shanxiongfei", "单雄飞"),
        ("zengxiaoxian", "曾小贤"),
        ("xiexiaodong", "解晓东"),
        ("qiuhai", "仇海"),
        ("piaomeiling", "朴美玲"),
        ("sxf", "单雄飞"),
    ],
)
def test_a_surname_with_a_special_reading_finds_its_delegate(client, people, query, name):
    assert _found(client, q=query) == {name}


def test_the_common_reading_of_a_special_surname_does_not_find_it(client, people):
    assert "单雄飞" not in _found(client, q="danxiongfei")
    assert "曾小贤" not in _found(client, q="cengxiaoxian")


def test_a_delegate_of_two_levels_is_listed_under_both(client, people):
    person = people["张建华"]
    MandateFactory(delegate=person, term=TermFactory(level=Level.CITY, end_date=None))
    MandateFactory(delegate=person, term=TermFactory(level=Level.COUNTY, end_date=None))
    other = people["陈丹"]
    MandateFactory(delegate=other, term=TermFactory(level=Level.TOWNSHIP, end_date=None))
    assert _found(client, level=Level.CITY) == {"张建华"}
    assert _found(client, level=Level.COUNTY) == {"张建华"}
    assert _found(client, level=Level.TOWNSHIP) == {"陈丹"}
    response = client.get(reverse("delegates:list"), {"level": Level.CITY})
    assert len(response.context["delegates"]) == 1


def test_filters_by_station_group_constituency_and_term(client, people):
    from delegates.models import DelegateGroup

    station = StationFactory()
    people["仇海"].stations.add(station)
    group = DelegateGroup.objects.create(name="农业农村组", kind=DelegateGroup.Kind.PROFESSIONAL)
    group.members.add(people["朴美玲"])
    mandate = MandateFactory(
        delegate=people["解晓东"],
        term=TermFactory(start_date=datetime.date(2022, 1, 1), end_date=None),
    )
    assert _found(client, station=station.pk) == {"仇海"}
    assert _found(client, group=group.pk) == {"朴美玲"}
    assert _found(client, constituency=mandate.constituency.pk) == {"解晓东"}
    assert _found(client, term=mandate.term.pk) == {"解晓东"}
