"""The public delegate search at province scale: prefix matches on indexed columns, 30 a page,
a constant number of queries, a small page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from delegates.models import Delegate, Level
from delegates.services import delegate_save
from tests.delegates.factories import MandateFactory, TermFactory
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

MAX_HTML = 300 * 1024
SURNAMES = "张赵周郑朱王李陈"
GIVEN = "一二三四五六七八九十"


def _people(count, start=0):
    term = TermFactory(level=Level.COUNTY, end_date=None)
    station = StationFactory()
    for number in range(start, start + count):
        surname, given = SURNAMES[number % len(SURNAMES)], GIVEN[number % len(GIVEN)]
        delegate = delegate_save(delegate=Delegate(name=f"{surname}{given}{number}"))
        MandateFactory(delegate=delegate, term=term)
        delegate.stations.add(station)


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("delegates:list"), params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", [{}, {"q": "zh"}, {"q": "zhang"}, {"q": "张"}, {"q": "zy"}])
def test_the_number_of_queries_does_not_grow_with_the_delegates(client, params):
    _people(6)
    few = _queries(client, params)
    _people(90, start=6)
    assert _queries(client, params) == few


def test_zh_finds_every_surname_and_initial_starting_so_and_nothing_else(client):
    for name in ["张三", "赵四", "周五", "郑六", "朱七", "王八", "李九", "陈十", "曾华"]:
        delegate_save(delegate=Delegate(name=name))
    response = client.get(reverse("delegates:list"), {"q": "zh"})
    names = {delegate.name for delegate in response.context["delegates"]}
    # 曾华 is zeng hua: its initials "zh" find it too.
    assert names == {"张三", "赵四", "周五", "郑六", "朱七", "曾华"}


def test_results_come_thirty_a_page_and_the_page_stays_small(client):
    _people(70)
    response = client.get(reverse("delegates:list"), {"q": "z"})
    assert len(response.context["delegates"]) == 30
    assert response.context["paginator"].count == len(
        [n for n in range(70) if SURNAMES[n % len(SURNAMES)] in "张赵周郑朱"]
    )
    assert len(response.content) < MAX_HTML


def test_a_delegate_saved_without_the_service_is_still_found(client):
    Delegate.objects.create(name="张建华")
    assert Delegate.objects.get().name_initials == "zjh"
    response = client.get(reverse("delegates:list"), {"q": "zjh"})
    assert [d.name for d in response.context["delegates"]] == ["张建华"]


@pytest.mark.parametrize("query", ["zh%", "_", "\\", "张\x00", "z" * 200, "' OR 1=1--"])
def test_odd_searches_are_no_error(client, query):
    _people(3)
    assert client.get(reverse("delegates:list"), {"q": query}).status_code == 200


def test_the_group_and_term_selects_list_their_options_and_keep_the_choice(client):
    from delegates.models import DelegateGroup

    group = DelegateGroup.objects.create(name="农业专业代表小组", kind="professional")
    term = TermFactory(level=Level.COUNTY, end_date=None)
    html = client.get(
        reverse("delegates:list"), {"group": group.pk, "term": term.pk}
    ).content.decode()
    assert f'<option value="{group.pk}" selected>农业专业代表小组</option>' in html
    assert f'<option value="{term.pk}" selected>' in html
