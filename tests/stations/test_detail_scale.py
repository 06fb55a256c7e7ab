"""A station's page and the home page cost the same queries however many stations, delegates,
reception days and suggestions there are, and stay small."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from congress_portal.clock import frozen_at
from stations import services
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import ReceptionRuleFactory, StationFactory

pytestmark = pytest.mark.django_db

MAX_HTML = 300 * 1024


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.content) < MAX_HTML
    return len(captured)


def _grow(station, submit, *, delegates, children, suggestions):
    for _number in range(delegates):
        DelegateFactory().stations.add(station)
    for _number in range(children):
        StationFactory(parent=station, region=station.region)
    for number in range(suggestions):
        submit(title=f"路灯不亮{number}")


def test_the_station_page_costs_the_same_queries_as_it_fills_up(client, station, submit):
    rule = ReceptionRuleFactory(station=station)
    url = reverse("stations:detail", args=[station.pk])
    with frozen_at(datetime.datetime(2026, 3, 1, 9)):
        services.reception_days_generate(
            rule=rule, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)
        )
        _grow(station, submit, delegates=1, children=1, suggestions=1)
        few = _queries(client, url)
        _grow(station, submit, delegates=25, children=12, suggestions=30)
        for _number in range(40):
            StationFactory()
        many = _queries(client, url)
    assert many == few
    assert many <= 16


def test_the_home_page_costs_the_same_queries_however_many_stations(client, station, submit):
    url = reverse("core:home")
    few = _queries(client, url)
    for _number in range(60):
        ReceptionRuleFactory(station=StationFactory())
    submit()
    assert _queries(client, url) == few <= 4


def test_the_station_pages_figures_from_the_rollups_match_the_suggestions(station, walk_to):
    from stations.selectors import station_figures, station_rollup_figures

    for state in ["submitted", "accepted", "replied", "closed", "closed", "dispatched"]:
        walk_to(state)
    figures = station_rollup_figures(station=station)
    assert figures == station_figures(station=station)
    assert (figures["received"], figures["handled"]) == (6, 3)


def test_the_home_page_shows_the_four_next_reception_days_soonest_first(client):
    from congress_portal.clock import today
    from tests.stations.factories import ReceptionDayFactory

    start = today() + datetime.timedelta(days=3)
    for offset, name in [(5, "戊站"), (1, "乙站"), (0, "甲站"), (9, "己站"), (2, "丙站")]:
        ReceptionDayFactory(
            station=StationFactory(name=name), date=start + datetime.timedelta(days=offset)
        )
    ReceptionDayFactory(station=StationFactory(name="过去站"), date=today() - datetime.timedelta(1))
    days = client.get(reverse("core:home")).context["next_reception_days"]
    assert [day.station.name for day in days] == ["甲站", "乙站", "丙站", "戊站"]
