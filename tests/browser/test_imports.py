"""The congress office imports stations from Excel: template, upload, preview, confirm."""

import openpyxl
import pytest

from stations.models import Station
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


def test_office_imports_stations_from_the_template(visitor_factory, world, tmp_path):
    office = visitor_factory("desktop")
    page = office.page
    office.login(world.office_user)
    page.get_by_role("link", name=zh("Import from Excel")).click()
    office.check("imports-home")
    page.locator("#import-kind-stations").get_by_role("link", name=zh("Stations")).click()
    office.check("imports-upload")

    with page.expect_download() as download_info:
        page.locator("#import-template").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    sheet.delete_rows(2)  # the example row
    for n in (1, 2):
        sheet.append(
            [
                f"新民{n}号代表工作站",
                zh("work station"),
                world.station.name,
                "示范区/东南街道",
                f"新民路{n}号",
                "",
                "",
                "13800138000",
                "",
                "",
            ]
        )
    book.save(template)

    page.locator("#id_file").set_input_files(str(template))
    page.get_by_role("button", name=zh("Upload and preview")).click()
    summary = page.locator("#import-summary")
    assert summary.get_attribute("data-new") == "2"
    assert summary.get_attribute("data-errors") == "0"
    assert not Station.objects.filter(name__startswith="新民").exists()
    office.check("imports-preview")

    page.locator("#import-confirm").click()
    page.wait_for_load_state("load")
    assert Station.objects.filter(name__startswith="新民", parent=world.station).count() == 2
    office.check("imports-done")


def test_preview_with_errors_fits_a_phone(visitor_factory, world, tmp_path):
    office = visitor_factory("phone")
    page = office.page
    office.login(world.office_user)
    office.goto("imports:upload", "stations")
    path = tmp_path / "bad.xlsx"
    from imports.resources import StationResource

    book = openpyxl.Workbook()
    book.active.append(StationResource.template_headers())
    book.active.append(
        [
            "新民3号代表工作站" * 3,
            "没有的类型",
            "不存在的上级站点名称很长很长",
            "不存在的区域/很长的路径/社区",
            "",
            "",
            "",
            "12345",
            "",
            "",
        ]
    )
    book.save(path)

    page.locator("#id_file").set_input_files(str(path))
    page.get_by_role("button", name=zh("Upload and preview")).click()

    assert page.locator("#import-summary").get_attribute("data-errors") == "1"
    assert page.locator("#import-refused").is_visible()
    assert page.locator("#import-confirm").count() == 0
    office.assert_no_horizontal_overflow()
    office.check("imports-preview-errors")
