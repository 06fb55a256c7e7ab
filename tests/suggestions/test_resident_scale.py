"""The resident pages at province scale: the form offers a station by search (without
JavaScript too) and only the communities of the chosen station's area; the form and the
tracking page cost a constant number of queries and stay small."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from congress_portal.pickers import SMALL_SCOPE
from stations.models import Region, Station
from suggestions.models import Suggestion
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

MAX_HTML = 300 * 1024
NEW = "suggestions:new"


def _area(name, kind, parent=None):
    return Region.objects.create(name=name, kind=kind, parent=parent)


@pytest.fixture
def county(db):
    """A district with two streets, each with two communities, and a station in each street
    and more than SMALL_SCOPE stations elsewhere: too many to list."""
    district = _area("甘州区", Region.Kind.DISTRICT)
    east = _area("东街街道", Region.Kind.STREET, district)
    west = _area("西街街道", Region.Kind.STREET, district)
    areas = {
        "district": district,
        "east": east,
        "west": west,
        "nanguan": _area("南关社区", Region.Kind.COMMUNITY, east),
        "beiguan": _area("北关社区", Region.Kind.COMMUNITY, east),
        "xiguan": _area("西关社区", Region.Kind.COMMUNITY, west),
        "xiaomen": _area("小门社区", Region.Kind.COMMUNITY, west),
    }
    stations = {
        "east": StationFactory(name="东街代表之家", region=east, address="东大街1号"),
        "west": StationFactory(name="西街代表之家", region=west, address="西大街2号"),
        "nanguan": StationFactory(name="南关联络点", region=areas["nanguan"]),
    }
    elsewhere = _area("临泽县", Region.Kind.DISTRICT)
    for number in range(SMALL_SCOPE + 5):
        StationFactory(name=f"临泽{number:02d}号联络站", region=elsewhere)
    return areas, stations


def _typed(**extra):
    data = {
        "title": "新民路路灯不亮",
        "content": "我写的内容不会丢，路灯坏了一个月。",
        "address": "新民路18号",
        "submitter_name": "王大妈",
        "submitter_phone": "13800138000",
        "privacy": "on",
    }
    data.update(extra)
    return data


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_the_form_does_not_list_every_station_and_offers_the_finder(client, county):
    response = client.get(reverse(NEW))
    html = response.content.decode()
    assert len(response.content) < MAX_HTML
    assert _options(html, "station") == [""]
    assert 'name="station_q"' in html and 'name="find_station"' in html
    # Tom Select enhances the same field when JavaScript runs.
    assert 'data-picker-url="/pick/stations/' in html
    assert html.count("<option") < 40


def test_the_finder_keeps_what_was_typed_and_offers_the_stations_found(client, county, category):
    response = client.post(
        reverse(NEW), _typed(category=category.pk, station_q="东街", find_station="1")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "我写的内容不会丢，路灯坏了一个月。" in html and 'value="新民路路灯不亮"' in html
    east = county[1]["east"]
    assert f'name="station_pick" value="{east.pk}"' in html
    assert f'name="station_pick" value="{county[1]["west"].pk}"' not in html
    assert not Suggestion.objects.exists()
    assert "invalid-feedback" not in html  # a search is not a failed submission


def test_picking_a_station_offers_the_communities_of_its_area_only(client, county, category):
    areas, stations = county
    response = client.post(
        reverse(NEW), _typed(category=category.pk, station_pick=str(stations["east"].pk))
    )
    html = response.content.decode()
    assert _options(html, "station") == ["", str(stations["east"].pk)]
    assert sorted(_options(html, "place")) == sorted(
        ["", str(areas["nanguan"].pk), str(areas["beiguan"].pk)]
    )
    assert "我写的内容不会丢，路灯坏了一个月。" in html


def test_a_contact_point_in_a_community_offers_its_streets_communities(client, county):
    areas, stations = county
    html = client.get(reverse(NEW), {"station": stations["nanguan"].pk}).content.decode()
    assert sorted(_options(html, "place")) == sorted(
        ["", str(areas["nanguan"].pk), str(areas["beiguan"].pk)]
    )


def test_the_station_pages_link_preselects_the_station(client, county):
    east = county[1]["east"]
    html = client.get(reverse(NEW), {"station": east.pk}).content.decode()
    assert re.search(rf'<option value="{east.pk}" selected>东街代表之家', html)


def test_a_valid_submission_with_a_station_and_its_community_is_saved(client, county, category):
    areas, stations = county
    response = client.post(
        reverse(NEW),
        _typed(category=category.pk, station=stations["west"].pk, place=areas["xiguan"].pk),
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get()
    assert (suggestion.station, suggestion.place) == (stations["west"], areas["xiguan"])


def test_a_community_outside_the_stations_area_is_refused_clearly(client, county, category):
    areas, stations = county
    response = client.post(
        reverse(NEW),
        _typed(category=category.pk, station=stations["west"].pk, place=areas["nanguan"].pk),
        HTTP_COOKIE="django_language=en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "That community is not in the area of the chosen station" in html
    assert "我写的内容不会丢，路灯坏了一个月。" in html
    assert not Suggestion.objects.exists()


@pytest.mark.parametrize("station", ["inactive", "999999", "abc", "99999999999999999999999"])
def test_a_station_not_offered_is_refused_clearly(client, county, category, station):
    if station == "inactive":
        closed = StationFactory(name="已撤销联络站", is_active=False)
        station = str(closed.pk)
    response = client.post(
        reverse(NEW),
        _typed(category=category.pk, station=station),
        HTTP_COOKIE="django_language=en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "That station is not on the list of stations you can choose" in html
    assert 'value="新民路路灯不亮"' in html and "我写的内容不会丢" in html
    # The finder is there to choose a station without JavaScript.
    assert 'name="find_station"' in html
    assert not Suggestion.objects.exists()


def test_bad_finder_input_is_no_error(client, county, category):
    for text in ["东\x00街", "x" * 500, "", "' OR 1=1--"]:
        response = client.post(reverse(NEW), _typed(station_q=text, find_station="1"))
        assert response.status_code == 200
    response = client.post(reverse(NEW), _typed(station_pick="abc"))
    assert response.status_code == 200


def _queries(client, method, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(*args, **kwargs)
    assert response.status_code in (200, 302)
    return len(captured)


def _grow(county, extra: int):
    areas, _stations = county
    for number in range(extra):
        street = _area(f"新街道{extra}-{number}", Region.Kind.STREET, areas["district"])
        _area(f"新社区{extra}-{number}", Region.Kind.COMMUNITY, street)
        StationFactory(name=f"新{extra}-{number}号联络站", region=street)


def test_the_forms_queries_do_not_grow_with_stations_and_areas(client, county, category):
    east = county[1]["east"]
    counts = []
    for extra in (0, 80):
        _grow(county, extra)
        counts.append(
            (
                _queries(client, "get", reverse(NEW)),
                _queries(client, "get", reverse(NEW), {"station": east.pk}),
                _queries(
                    client,
                    "post",
                    reverse(NEW),
                    _typed(category=category.pk, station_q="联络站", find_station="1"),
                ),
            )
        )
    assert counts[0] == counts[1]
    assert max(counts[1]) <= 10


def test_the_submission_costs_the_same_queries_however_many_stations(client, county, category):
    areas, stations = county
    counts = []
    for number, extra in enumerate((0, 80)):
        _grow(county, extra)
        data = _typed(
            category=category.pk,
            station=stations["east"].pk,
            place=areas["nanguan"].pk,
            title=f"路灯不亮{number}",
        )
        counts.append(_queries(client, "post", reverse(NEW), data))
    assert counts[0] == counts[1]
    assert Station.objects.count() > 130


def test_the_tracking_page_costs_the_same_queries_however_long_the_trail(client, walk_to):
    short = walk_to("accepted")
    long = walk_to("closed")  # accepted, dispatched, unit replied, replied, rated, closed
    assert long.events.count() > short.events.count() + 2
    few = _queries(client, "get", reverse("suggestions:track_detail", args=[short.tracking_code]))
    url = reverse("suggestions:track_detail", args=[long.tracking_code])
    many = _queries(client, "get", url)
    assert many <= few + 1  # the rating's row appears once the resident has rated
    assert many <= 8
    assert len(client.get(url).content) < MAX_HTML


def test_with_javascript_the_place_picker_follows_the_chosen_station(client, county):
    stations = county[1]
    html = client.get(reverse(NEW)).content.decode()
    place = re.search(r'<select name="place"[^>]*>', html).group(0)
    assert "data-picker-url=" in place and "data-picker-forward" in place
    answer = client.get(
        reverse("pickers:pick", args=["station_areas"]),
        {"station": stations["west"].pk, "kind": "community,village", "q": "关"},
    ).json()
    assert [row["text"].split(" · ")[0] for row in answer["results"]] == ["西关社区"]
    bad = client.get(reverse("pickers:pick", args=["station_areas"]), {"station": "abc"})
    assert bad.status_code == 400
