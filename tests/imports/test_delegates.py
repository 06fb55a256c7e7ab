"""The office imports delegates with their seats, groups and stations."""

import datetime

import pytest
from django.urls import reverse

from delegates.models import Delegate, DelegateGroup, Level, StationMembership, Term
from tests.delegates.factories import ConstituencyFactory
from tests.imports.conftest import upload, workbook
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(db):
    county = Term.objects.create(level=Level.COUNTY, number=7, start_date=datetime.date(2022, 1, 1))
    city = Term.objects.create(level=Level.CITY, number=16, start_date=datetime.date(2022, 1, 1))
    return {
        "county": county,
        "city": city,
        "home": StationFactory(name="东南街道人大代表之家"),
        "work": StationFactory(name="新华社区代表工作站"),
        "group": DelegateGroup.objects.create(name="农业专业代表小组", kind="professional"),
        "constituency": ConstituencyFactory(name="第三选区", level=Level.COUNTY),
    }


def delegate_row(name="张建华", **extra):
    return {
        "name": name,
        "gender": "男",
        "levels": "市、县（区）",
        "constituency": "第三选区",
        "groups": "农业专业代表小组",
        "stations": "东南街道人大代表之家、新华社区代表工作站",
        "since": "2024-03-10",
        "phone": "138 0013 8000",
        **extra,
    }


def import_file(client, rows):
    response = upload(client, "delegates", workbook("delegates", rows))
    assert response.status_code == 302, response.content.decode()[:3000]
    preview = client.get(response["Location"])
    token = response["Location"].rstrip("/").split("/")[-1]
    return preview, client.post(reverse("imports:confirm", args=[token]))


def test_delegates_are_imported_with_seats_groups_and_stations(office_client, setting):
    preview, done = import_file(office_client, [delegate_row(), delegate_row("欧阳春", phone="")])

    html = preview.content.decode()
    assert 'data-new="2"' in html
    assert "138****8000" in html and "13800138000" not in html  # masked in the preview
    assert done.status_code == 302
    delegate = Delegate.objects.get(name="张建华")
    assert (delegate.name_pinyin, delegate.name_initials) == ("zhangjianhua", "zjh")
    assert Delegate.objects.get(name="欧阳春").name_pinyin == "ouyangchun"  # the surname rule
    assert delegate.phone == "13800138000"
    assert delegate.gender == "m"
    seats = {(m.level, m.term_id, m.constituency_id) for m in delegate.mandates.all()}
    assert seats == {
        (Level.CITY, setting["city"].pk, None),
        (Level.COUNTY, setting["county"].pk, setting["constituency"].pk),
    }
    assert set(delegate.stations.values_list("name", flat=True)) == {
        "东南街道人大代表之家",
        "新华社区代表工作站",
    }
    assert StationMembership.objects.filter(since=datetime.date(2024, 3, 10)).count() == 4
    assert list(delegate.groups.values_list("name", flat=True)) == ["农业专业代表小组"]
    # Found by the public search, by pinyin initials.
    found = office_client.get(reverse("delegates:list"), {"q": "zjh"})
    assert "张建华" in found.content.decode()


def test_re_import_updates_the_delegate_found_by_name_and_phone(office_client, setting):
    import_file(office_client, [delegate_row()])
    delegate = Delegate.objects.get()

    preview, _done = import_file(
        office_client,
        [delegate_row(occupation="新华村党支部书记", stations="新华社区代表工作站", levels="县")],
    )

    assert 'data-updated="1"' in preview.content.decode()
    delegate.refresh_from_db()
    assert Delegate.objects.count() == 1
    assert delegate.occupation == "新华村党支部书记"
    assert list(delegate.stations.values_list("name", flat=True)) == ["新华社区代表工作站"]
    assert delegate.mandates.count() == 2  # seats are history: none removed


def test_unknown_station_group_level_and_bad_date_are_row_errors(office_client, setting):
    rows = [
        delegate_row("甲", stations="不存在的联络站"),
        delegate_row("乙", groups="没有的小组"),
        delegate_row("丙", levels="村"),
        delegate_row("丁", since="2025-02-30"),
        delegate_row("戊", phone="1380013800"),
        delegate_row("己", email="not-an-email"),
    ]
    preview, _done = import_file(office_client, rows)

    html = preview.content.decode()
    assert html.count('data-status="error"') == 6
    assert "不存在的联络站" in html and "没有的小组" in html
    assert not Delegate.objects.exists()


def test_a_level_without_a_current_term_is_a_row_error(office_client, setting):
    preview, _ = import_file(office_client, [delegate_row(levels="省")])

    assert 'data-errors="1"' in preview.content.decode()


def test_two_delegates_of_one_name_need_the_phone(office_client, setting):
    Delegate.objects.create(name="王芳", phone="13900000001")
    Delegate.objects.create(name="王芳", phone="13900000002")

    preview, _ = import_file(
        office_client,
        [delegate_row("王芳", phone=""), delegate_row("王芳", phone="13900000002", gender="女")],
    )

    html = preview.content.decode()
    assert 'data-row="2" data-status="error"' in html
    assert 'data-row="3" data-status="update"' in html


def test_a_group_list_replaces_the_delegates_groups(office_client, setting):
    DelegateGroup.objects.create(name="第一代表小组", kind="electoral")
    import_file(office_client, [delegate_row(groups="农业专业代表小组、第一代表小组")])

    import_file(office_client, [delegate_row(groups="第一代表小组")])

    delegate = Delegate.objects.get()
    assert list(delegate.groups.values_list("name", flat=True)) == ["第一代表小组"]
