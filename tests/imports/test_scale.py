"""A province's file: 2,000 rows preview and import in a bounded number of queries (the
references are looked up a chunk of keys at a time, never row by row)."""

import datetime

import pytest

from delegates.models import Delegate, DelegateGroup, Level, StationMembership, Term
from imports.services import bulk_import_preview, bulk_import_run
from stations.models import Region, Station
from tests.imports.conftest import workbook
from tests.stations.factories import RegionFactory

pytestmark = pytest.mark.django_db
ROWS = 2000
# A few queries per chunk of 500 rows (lookups, bulk inserts and updates, savepoints): far
# from one per row.
MAX_QUERIES = 100


@pytest.fixture
def communities(db):
    district = RegionFactory(name="示范区")
    streets = [
        Region.objects.create(name=f"第{n}街道", kind=Region.Kind.STREET, parent=district)
        for n in range(10)
    ]
    Region.objects.bulk_create(
        Region(name=f"第{n}社区", kind=Region.Kind.COMMUNITY, parent=streets[n % 10])
        for n in range(200)
    )
    for region in Region.objects.filter(kind=Region.Kind.COMMUNITY):
        region.save()  # the path
    return streets


def test_two_thousand_stations_preview_and_import_without_per_row_queries(
    office_user, communities, django_assert_max_num_queries
):
    rows = [
        {
            "name": f"第{n}号代表联络站",
            "kind": "代表联络站",
            "parent": "第0号代表联络站" if n else "",
            "region": f"第{(n % 200) % 10}街道/第{n % 200}社区",
            "address": f"新华路{n}号",
            "phone": f"1380013{n:04d}",
        }
        for n in range(ROWS)
    ]
    content = workbook("stations", rows)

    with django_assert_max_num_queries(MAX_QUERIES):
        preview = bulk_import_preview(actor=office_user, kind="stations", content=content)
    assert (preview.new, preview.errors) == (ROWS, 0), preview.rows[:3]
    assert not Station.objects.exists()

    with django_assert_max_num_queries(MAX_QUERIES):
        outcome = bulk_import_run(actor=office_user, kind="stations", content=content)
    assert outcome.ok
    assert Station.objects.count() == ROWS
    assert Station.objects.filter(parent__name="第0号代表联络站").count() == ROWS - 1

    with django_assert_max_num_queries(MAX_QUERIES):
        again = bulk_import_run(actor=office_user, kind="stations", content=content)
    assert (again.updated, again.new) == (ROWS, 0)


def test_two_thousand_delegates_import_without_per_row_queries(
    office_user, communities, django_assert_max_num_queries
):
    Term.objects.create(level=Level.COUNTY, number=7, start_date=datetime.date(2022, 1, 1))
    region = Region.objects.filter(kind=Region.Kind.COMMUNITY).first()
    Station.objects.bulk_create(
        Station(name=f"第{n}号代表联络站", kind="liaison", region=region, address="新华路")
        for n in range(100)
    )
    DelegateGroup.objects.create(name="农业专业代表小组", kind="professional")
    rows = [
        {
            "name": f"张{n}",
            "levels": "县",
            "groups": "农业专业代表小组",
            "stations": f"第{n % 100}号代表联络站、第{(n + 1) % 100}号代表联络站",
            "phone": f"139{n:08d}",
        }
        for n in range(ROWS)
    ]
    content = workbook("delegates", rows)

    with django_assert_max_num_queries(MAX_QUERIES):
        outcome = bulk_import_run(actor=office_user, kind="delegates", content=content)

    assert outcome.ok, [row for row in outcome.rows if row.errors][:3]
    assert Delegate.objects.count() == ROWS
    assert StationMembership.objects.count() == 2 * ROWS
    assert Delegate.objects.filter(name_pinyin="").count() == 0
