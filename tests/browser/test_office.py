"""The congress office on a desktop: the dashboard moves with the loop; a ledger opens in Excel
(journey 5)."""

import openpyxl
import pytest

from suggestions import services
from suggestions.models import FeedbackChannel, RatingValue
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


def _figure(page, code):
    text = page.locator(f".dashboard-figure-{code} .dashboard-figure-number").inner_text()
    return int(text.replace(",", "").strip())


def test_office_dashboard_figures_move_with_the_loop_and_a_ledger_opens_in_excel(
    visitor_factory, world, tmp_path
):
    office = visitor_factory("desktop")
    page = office.page
    office.login(world.office_user)
    office.goto("dashboard:dashboard")
    before = {code: _figure(page, code) for code in ("received", "closed", "reopened")}

    # A resident's suggestion walks the loop, one reply rated unsatisfied, the next satisfied.
    suggestion = services.suggestion_submit(
        title="新民路路灯不亮",
        content="新民路18号到30号的路灯坏了一个多月。",
        category=world.categories.roads,
        station=world.station,
        submitter_phone="13800138000",
    )
    for reply, rating in [("已报修。", RatingValue.UNSATISFIED), ("已更换路灯12盏。", "satisfied")]:
        if suggestion.state == "submitted":
            suggestion = services.suggestion_accept(
                suggestion=suggestion, actor=world.delegate_user
            )
        suggestion = services.suggestion_handle_on_spot(
            suggestion=suggestion,
            actor=world.delegate_user,
            result=reply,
            feedback_channel=FeedbackChannel.PHONE,
        )
        suggestion = services.suggestion_rate(suggestion=suggestion, value=rating)

    page.reload()
    assert _figure(page, "received") == before["received"] + 1
    assert _figure(page, "closed") == before["closed"] + 1
    assert _figure(page, "reopened") == before["reopened"] + 1
    office.check("dashboard-office")

    office.goto("dashboard:ledgers")
    office.check("ledgers-office")
    page.locator("section", has_text=zh("Suggestion handling ledger")).get_by_role(
        "button", name=zh("Export to Excel")
    ).click()
    # Written in the background (at once here: the tests' queue is synchronous), then linked.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=zh("Download the Excel file")).click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(path)
    cells = [str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert "新民路路灯不亮" in cells
    assert "13800138000" not in cells  # masked unless the account may reveal phones
    assert any("138****8000" in cell for cell in cells)
