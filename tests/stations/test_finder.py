"""The public station finder at province scale: drill down by area, search, pages of 20,
a constant number of queries, small pages, and no JavaScript needed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stations.models import Region
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

MAX_HTML = 300 * 1024


def _area(name, kind, parent=None):
    return Region.objects.create(name=name, kind=kind, parent=parent)


@pytest.fixture
def province(db):
    """One province, two cities, a district in each, two streets in the first district."""
    root = _area("甘肃省", Region.Kind.PROVINCE)
    lanzhou = _area("兰州市", Region.Kind.CITY, root)
    zhangye = _area("张掖市", Region.Kind.CITY, root)
    chengguan = _area("城关区", Region.Kind.DISTRICT, lanzhou)
    ganzhou = _area("甘州区", Region.Kind.DISTRICT, zhangye)
    dongjie = _area("东街街道", Region.Kind.STREET, chengguan)
    xijie = _area("西街街道", Region.Kind.STREET, chengguan)
    nanguan = _area("南关社区", Region.Kind.COMMUNITY, dongjie)
    return {
        "root": root,
        "lanzhou": lanzhou,
        "zhangye": zhangye,
        "chengguan": chengguan,
        "ganzhou": ganzhou,
        "dongjie": dongjie,
        "xijie": xijie,
        "nanguan": nanguan,
    }


def _page(client, **params):
    response = client.get(reverse("stations:list"), params)
    assert response.status_code == 200
    return response


def _names(response):
    return {station.name for station in response.context["stations"]}


def _child_links(response):
    return {child.name: count for child, count in response.context["child_areas"]}


def test_the_finder_starts_inside_the_only_province_with_its_cities_and_their_counts(
    client, province
):
    StationFactory(name="东街代表之家", region=province["dongjie"])
    StationFactory(name="南关联络站", region=province["nanguan"])
    StationFactory(name="甘州联络站", region=province["ganzhou"])

    response = _page(client)

    assert _child_links(response) == {"兰州市": 2, "张掖市": 1}
    html = response.content.decode()
    # Plain links: drilling down needs no JavaScript.
    assert f'href="{reverse("stations:list")}?area={province["lanzhou"].pk}"' in html
    assert _names(response) == {"东街代表之家", "南关联络站", "甘州联络站"}


def test_drilling_down_shows_only_the_stations_of_that_area_and_the_way_back(client, province):
    StationFactory(name="东街代表之家", region=province["dongjie"])
    StationFactory(name="南关联络站", region=province["nanguan"])
    StationFactory(name="西街联络站", region=province["xijie"])
    StationFactory(name="甘州联络站", region=province["ganzhou"])

    city = _page(client, area=province["lanzhou"].pk)
    district = _page(client, area=province["chengguan"].pk)
    street = _page(client, area=province["dongjie"].pk)

    assert _child_links(city) == {"城关区": 3}
    assert _names(city) == {"东街代表之家", "南关联络站", "西街联络站"}
    assert _child_links(district) == {"东街街道": 2, "西街街道": 1}
    assert _names(street) == {"东街代表之家", "南关联络站"}
    assert _child_links(street) == {"南关社区": 1}
    assert [area.name for area in street.context["trail"]] == [
        "甘肃省",
        "兰州市",
        "城关区",
        "东街街道",
    ]


def test_areas_without_stations_are_not_offered(client, province):
    StationFactory(region=province["dongjie"])
    assert _child_links(_page(client, area=province["chengguan"].pk)) == {"东街街道": 1}


def test_inactive_stations_are_neither_listed_nor_counted(client, province):
    StationFactory(name="东街代表之家", region=province["dongjie"])
    StationFactory(name="已撤销联络站", region=province["xijie"], is_active=False)
    response = _page(client, area=province["chengguan"].pk)
    assert _names(response) == {"东街代表之家"}
    assert _child_links(response) == {"东街街道": 1}


def test_search_finds_by_name_address_and_area_and_offers_the_matching_areas(client, province):
    StationFactory(name="东街代表之家", region=province["dongjie"], address="东街12号")
    StationFactory(name="幸福联络站", region=province["nanguan"], address="和平巷3号")
    StationFactory(name="甘州联络站", region=province["ganzhou"], address="县府街1号")

    assert _names(_page(client, q="幸福")) == {"幸福联络站"}
    assert _names(_page(client, q="和平巷")) == {"幸福联络站"}
    by_area = _page(client, q="南关")
    assert _names(by_area) == {"幸福联络站"}
    assert [area.name for area in by_area.context["matching_areas"]] == ["南关社区"]
    # Within an area: the same word finds nothing outside it.
    assert _names(_page(client, q="联络站", area=province["zhangye"].pk)) == {"甘州联络站"}


def test_stations_come_twenty_a_page(client, province):
    for number in range(45):
        StationFactory(name=f"联络站{number:02d}", region=province["xijie"])

    first = _page(client, area=province["xijie"].pk)
    third = _page(client, area=province["xijie"].pk, page=3)

    assert len(first.context["stations"]) == 20
    assert first.context["paginator"].count == 45
    assert _names(third) == {f"联络站{number:02d}" for number in range(40, 45)}
    assert 'rel="next"' in first.content.decode()


def test_a_deep_page_is_the_same_stations_as_a_shallow_one_would_be(client, province, settings):
    import stations.views

    for number in range(30):
        StationFactory(name=f"联络站{number:02d}", region=province["xijie"])
    shallow = _names(_page(client, area=province["xijie"].pk, page=2))
    original = stations.views.DEEP_OFFSET
    stations.views.DEEP_OFFSET = 0
    try:
        deep = _page(client, area=province["xijie"].pk, page=2)
    finally:
        stations.views.DEEP_OFFSET = original
    assert _names(deep) == shallow == {f"联络站{number:02d}" for number in range(20, 30)}
    assert [s.name for s in deep.context["stations"]] == sorted(shallow)


@pytest.mark.parametrize(
    "params",
    [
        {"area": "abc"},
        {"area": "99999999999999999999"},
        {"area": "987654"},
        {"page": "abc"},
        {"page": "99999"},
        {"q": "东\x00街"},
        {"q": "' OR 1=1--"},
        {"kind": "nonsense"},
    ],
)
def test_bad_parameters_show_a_page_never_an_error(client, province, params):
    StationFactory(region=province["dongjie"])
    assert client.get(reverse("stations:list"), params).status_code == 200


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        _page(client, **params)
    return len(captured)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"area": "lanzhou"},
        {"area": "dongjie"},
        {"q": "联络站"},
        {"q": "联络站", "area": "chengguan", "kind": "liaison"},
        {"page": "2", "area": "xijie"},
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_stations(client, province, params):
    params = {
        key: (province[value].pk if key == "area" else value) for key, value in params.items()
    }
    for number in range(3):
        StationFactory(name=f"甲联络站{number}", region=province["xijie"])
    few = _queries(client, **params)
    for number in range(60):
        region = province["nanguan"] if number % 2 else province["xijie"]
        StationFactory(name=f"乙联络站{number}", region=region)
    many = _queries(client, **params)
    assert many <= few + 1  # the page's own COUNT can appear once it has two pages
    assert many <= 8


def test_the_area_counts_are_read_from_the_cache_not_recomputed(client, province):
    StationFactory(region=province["dongjie"])
    _page(client)
    with CaptureQueriesContext(connection) as captured:
        _page(client, area=province["lanzhou"].pk)
    assert not any("GROUP BY" in query["sql"] for query in captured)


def test_the_page_stays_small_with_many_stations_and_areas(client, province):
    streets = [
        _area(f"第{number}街道", Region.Kind.STREET, province["chengguan"]) for number in range(40)
    ]
    for number in range(200):
        StationFactory(name=f"联络站{number:03d}", region=streets[number % 40])
    response = _page(client)
    assert len(response.content) < MAX_HTML
    assert len(re.findall(r'class="portal-station-name"', response.content.decode())) == 20


def test_with_an_out_of_process_cache_each_worker_keeps_the_counts_a_while(
    client, province, settings
):
    from stations import selectors

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    selectors._LOCAL_COUNTS.clear()
    try:
        StationFactory(region=province["dongjie"])
        _page(client)
        with CaptureQueriesContext(connection) as captured:
            second = _page(client, area=province["lanzhou"].pk)
        assert not any("GROUP BY" in query["sql"] for query in captured)
        assert _child_links(second) == {"城关区": 1}
    finally:
        selectors._LOCAL_COUNTS.clear()
