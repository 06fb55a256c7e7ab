"""The office imports stations from Excel: preview, then all rows or none."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from stations.models import Station
from tests.imports.conftest import upload, workbook

pytestmark = pytest.mark.django_db


def station_row(n, **extra):
    return {
        "name": f"新华{n}号代表联络站",
        "kind": "代表联络站",
        "region": "东南街道/新华社区",
        "address": f"新华路{n}号",
        "phone": "0551-62345678",
        **extra,
    }


def preview_of(response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_office_imports_a_good_stations_file_and_finds_the_stations(office_client, areas):
    rows = [station_row(n) for n in range(1, 4)]
    rows[2]["region"] = "340100001001"  # by the administrative code

    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))
    preview = office_client.get(url)

    assert preview.status_code == 200
    assert b'data-new="3"' in preview.content
    assert b'data-errors="0"' in preview.content
    assert preview.content.count(b'data-status="new"') == 3
    assert not Station.objects.exists()  # the preview saved nothing

    token = url.rstrip("/").split("/")[-1]
    done = office_client.post(reverse("imports:confirm", args=[token]))

    assert done.status_code == 302
    assert Station.objects.count() == 3
    station = Station.objects.get(name="新华3号代表联络站")
    assert station.region == areas["community"]
    assert station.kind == Station.Kind.LIAISON
    assert station.phone == "055162345678"
    found = office_client.get(reverse("stations:list"), {"q": "新华2号"})
    assert "新华2号代表联络站" in found.content.decode()
    event = AuditEvent.objects.get(action="bulk_import")
    assert event.detail["new"] == 3 and event.detail["rows"] == 3
    # The upload is gone once imported: confirming again imports nothing twice.
    again = office_client.post(reverse("imports:confirm", args=[token]))
    assert again.status_code == 302
    assert Station.objects.count() == 3


def test_one_bad_row_shows_its_error_and_nothing_is_saved(office_client, areas):
    rows = [station_row(n) for n in range(1, 5)]
    rows[2]["region"] = "东南街道/没有这个社区"
    rows[3]["name"] = rows[0]["name"]  # twice in the file

    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))
    preview = office_client.get(url)
    html = preview.content.decode()

    assert 'data-errors="2"' in html
    assert 'data-row="4" data-status="error"' in html
    assert "没有这个社区" in html  # the error names the value
    assert 'data-row="5" data-status="error"' in html
    assert 'id="import-confirm"' not in html

    token = url.rstrip("/").split("/")[-1]
    refused = office_client.post(reverse("imports:confirm", args=[token]))

    assert refused.status_code == 302
    assert not Station.objects.exists()
    assert not AuditEvent.objects.filter(
        action="bulk_import", outcome=AuditEvent.Outcome.SUCCESS
    ).exists()


def test_only_the_rows_with_errors_can_be_shown(office_client, areas):
    rows = [station_row(n) for n in range(1, 4)]
    rows[1]["kind"] = "不存在的类型"
    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))

    html = office_client.get(url, {"show": "errors"}).content.decode()

    assert html.count('data-status="error"') == 1
    assert 'data-status="new"' not in html


def test_an_ambiguous_area_name_is_an_error_and_a_longer_path_settles_it(office_client, areas):
    rows = [station_row(1, region="新华社区"), station_row(2, region="西北街道/新华社区")]
    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))

    html = office_client.get(url).content.decode()

    assert 'data-row="2" data-status="error"' in html
    assert 'data-row="3" data-status="new"' in html


def test_re_import_updates_the_stations_by_name(office_client, areas):
    office_client.post(
        reverse(
            "imports:confirm",
            args=[
                preview_of(
                    upload(office_client, "stations", workbook("stations", [station_row(1)]))
                )
                .rstrip("/")
                .split("/")[-1]
            ],
        )
    )
    assert Station.objects.get().address == "新华路1号"
    rows = [
        station_row(1, address="新华路100号", parent=""),
        station_row(2, parent="新华1号代表联络站"),
    ]

    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))
    html = office_client.get(url).content.decode()
    assert 'data-row="2" data-status="update"' in html
    assert 'data-row="3" data-status="new"' in html
    office_client.post(reverse("imports:confirm", args=[url.rstrip("/").split("/")[-1]]))

    assert Station.objects.count() == 2
    first = Station.objects.get(name="新华1号代表联络站")
    assert first.address == "新华路100号"
    assert Station.objects.get(name="新华2号代表联络站").parent == first


def test_a_station_cannot_be_its_own_ancestor(office_client, areas):
    rows = [station_row(1, parent="新华2号代表联络站"), station_row(2, parent="新华1号代表联络站")]
    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))

    html = office_client.get(url).content.decode()

    assert html.count('data-status="error"') == 2


def test_bad_phone_missing_required_and_too_long_are_row_errors(office_client, areas):
    rows = [
        station_row(1, phone="12345"),
        station_row(2, address=""),
        station_row(3, address="新华路" * 100),
    ]
    url = preview_of(upload(office_client, "stations", workbook("stations", rows)))

    html = office_client.get(url).content.decode()

    assert html.count('data-status="error"') == 3


def test_english_headers_are_read_too(office_client, areas):
    from django.utils import translation

    from imports.resources import StationResource

    with translation.override("en"):
        headers = [str(column.label) for column in StationResource.columns]
    url = preview_of(
        upload(office_client, "stations", workbook("stations", [station_row(1)], headers=headers))
    )

    assert b'data-new="1"' in office_client.get(url).content


def test_a_file_that_is_not_xlsx_is_refused_with_an_error(office_client, areas):
    response = upload(office_client, "stations", b"name,kind\n", name="stations.csv")

    assert response.status_code == 400
    assert b'id="id_file_error"' in response.content

    fake = upload(office_client, "stations", b"<html>not a workbook</html>", name="stations.xlsx")
    assert fake.status_code == 400
    assert b'id="id_file_error"' in fake.content


def test_a_file_with_unknown_columns_is_refused(office_client, areas):
    content = workbook("stations", [station_row(1)], headers=["名称", "什么列"])

    response = upload(office_client, "stations", content)

    assert response.status_code == 400
    assert "什么列" in response.content.decode()


def test_the_template_has_the_headers_and_an_example_row(office_client, areas):
    import io

    import openpyxl

    from imports.resources import StationResource

    response = office_client.get(reverse("imports:template", args=["stations"]))

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == StationResource.template_headers()
    assert "新华社区" in rows[1][3]


@pytest.mark.parametrize("who", ["station_staff_user", "delegate_user", "unit_staff_user"])
def test_only_the_office_may_import(client, request, who, areas):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("imports:home")).status_code == 403
    assert client.get(reverse("imports:upload", args=["stations"])).status_code == 403
    assert client.get(reverse("imports:template", args=["stations"])).status_code == 403
    assert upload(client, "stations", workbook("stations", [station_row(1)])).status_code == 403
    assert not Station.objects.filter(name="新华1号代表联络站").exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    assert client.get(reverse("imports:home")).status_code == 302


def test_another_session_cannot_confirm_the_upload(office_client, areas, client_factory=None):
    from django.test import Client

    from tests.accounts.factories import OfficeUserFactory

    url = preview_of(upload(office_client, "stations", workbook("stations", [station_row(1)])))
    token = url.rstrip("/").split("/")[-1]
    other = Client()
    other.force_login(OfficeUserFactory())

    assert other.post(reverse("imports:confirm", args=[token])).status_code == 302
    assert other.get(url).status_code == 302
    assert not Station.objects.exists()


def test_the_import_pages_answer_in_few_queries(
    office_client, areas, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert office_client.get(reverse("imports:home")).status_code == 200
    with django_assert_max_num_queries(12):
        assert office_client.get(reverse("imports:upload", args=["stations"])).status_code == 200
    url = preview_of(upload(office_client, "stations", workbook("stations", [station_row(1)])))
    with django_assert_max_num_queries(12):
        assert office_client.get(url).status_code == 200


def test_a_file_over_the_size_limit_is_refused(office_client, areas):
    from imports.services import MAX_BYTES

    response = upload(office_client, "stations", b"PK" + b"0" * MAX_BYTES)

    assert response.status_code == 400
    assert b'id="id_file_error"' in response.content


def test_a_discarded_upload_cannot_be_confirmed(office_client, areas):
    response = upload(office_client, "stations", workbook("stations", [station_row(1)]))
    token = response["Location"].rstrip("/").split("/")[-1]

    office_client.post(reverse("imports:cancel", args=[token]))

    assert office_client.get(response["Location"]).status_code == 302
    assert office_client.post(reverse("imports:confirm", args=[token])).status_code == 302
    assert not Station.objects.exists()


def test_uploads_left_behind_are_deleted_after_an_hour(office_client, areas):
    import os
    import time

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    old = default_storage.save("imports/left-behind.xlsx", ContentFile(b"x"))
    stamp = time.time() - 2 * 60 * 60
    os.utime(default_storage.path(old), (stamp, stamp))

    upload(office_client, "stations", workbook("stations", [station_row(1)]))

    assert not default_storage.exists(old)
