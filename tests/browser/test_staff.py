"""Staff on desktops: the loop at the desk (journey 3), a station's reception day (journey 2)."""

import datetime

import pytest
from django.urls import reverse

from congress_portal.clock import today
from stations.models import ReceptionDay, ReceptionRule
from suggestions import services
from suggestions.models import Channel, State, Suggestion
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


def _open_step(page, label):
    """The desk shows each step as a <details>; open it if it is closed."""
    summary = page.locator("summary", has_text=label)
    if summary.count() and summary.first.evaluate("el => !el.parentElement.open"):
        summary.first.click()


def test_delegate_dispatches_unit_replies_delegate_publishes_at_the_desk(visitor_factory, world):
    suggestion = services.suggestion_submit(
        title="新民路路灯不亮",
        content="新民路18号到30号的路灯坏了一个多月，晚上老人出门不方便。",
        category=world.categories.roads,
        station=world.station,
        submitter_name="王秀英",
        submitter_phone="13800138000",
    )
    detail = reverse("suggestions:desk_detail", args=[suggestion.pk])

    # The delegate: from the workspace to the desk, takes it (接单), dispatches it (派单).
    delegate = visitor_factory("desktop")
    page = delegate.page
    delegate.login(world.delegate_user)
    delegate.check("workspace-delegate")
    page.locator("main").get_by_role("link", name=zh("Suggestions")).first.click()
    page.wait_for_url(f"**{reverse('suggestions:desk')}*")
    delegate.check("desk-list-delegate")
    page.get_by_role("link", name="新民路路灯不亮").click()
    page.wait_for_url(f"**{detail}")
    assert "13800138000" not in page.content()  # masked for a delegate
    delegate.check("desk-detail-submitted")
    page.get_by_role("button", name=zh("Take this suggestion (接单)")).click()
    page.wait_for_url(f"**{detail}")
    assert page.get_by_role("status").is_visible()

    _open_step(page, zh("Dispatch to a handling unit (派单)"))
    page.get_by_label(zh("Handling unit")).select_option(label="示范区交通运输局")
    page.get_by_label(zh("Deadline in working days")).fill("10")
    page.get_by_label(zh("Instructions for the unit (optional)")).fill("请尽快派人检修。")
    delegate.check("desk-detail-accepted")
    page.get_by_role("button", name=zh("Dispatch to a handling unit (派单)")).click()
    page.wait_for_url(f"**{detail}")
    suggestion.refresh_from_db()
    assert suggestion.state == State.DISPATCHED
    assert suggestion.handling_unit == world.units.transport

    # The unit: acknowledges, works, replies.
    unit = visitor_factory("desktop")
    upage = unit.page
    unit.login(world.unit_user)
    unit.goto("suggestions:desk")
    unit.check("desk-list-unit")
    upage.get_by_role("link", name="新民路路灯不亮").click()
    upage.wait_for_url(f"**{detail}")
    assert "138****8000" not in upage.content()  # units never see the phone
    upage.get_by_role("button", name=zh("Acknowledge (接收)")).click()
    upage.wait_for_url(f"**{detail}")
    _open_step(upage, zh("Reply with the result"))
    upage.get_by_label(zh("Result of the handling")).fill(
        "已更换新民路18号至30号路灯12盏，恢复照明。"
    )
    unit.check("desk-detail-in-progress")
    upage.get_by_role("button", name=zh("Reply with the result")).click()
    upage.wait_for_url(f"**{detail}")
    suggestion.refresh_from_db()
    assert suggestion.state == State.UNIT_REPLIED

    # The delegate reviews the reply and publishes it to the resident.
    delegate.goto(detail)
    _open_step(page, zh("Publish the reply to the resident"))
    page.get_by_label(zh("How the resident was told")).select_option("phone")
    delegate.check("desk-detail-unit-replied")
    page.get_by_role("button", name=zh("Publish the reply to the resident")).click()
    page.wait_for_url(f"**{detail}")
    suggestion.refresh_from_db()
    assert suggestion.state == State.REPLIED

    # The resident sees the reply and may rate it.
    resident = visitor_factory("phone")
    resident.goto("suggestions:track_detail", suggestion.tracking_code)
    assert "已更换新民路18号至30号路灯12盏" in resident.page.locator("main").inner_text()
    assert resident.page.get_by_role("button", name=zh("Send my rating")).is_visible()


def test_station_staff_set_a_rule_assign_duty_and_log_a_day_with_two_issues(visitor_factory, world):
    from tests.delegates.factories import DelegateFactory

    second = DelegateFactory(name="李梅", name_pinyin="limei")
    second.stations.add(world.station)
    schedule = reverse("stations:schedule", args=[world.station.pk])
    staff = visitor_factory("desktop")
    page = staff.page
    staff.login(world.staff_user)

    staff.goto("stations:manage")
    staff.check("stations-manage")
    row = page.locator("tr", has_text="东南街道人大代表联络站")
    row.get_by_role("link", name=zh("Reception schedule")).click()
    page.wait_for_url(f"**{schedule}")
    staff.check("station-schedule-empty")

    # A rule: every month on the 10th, postponed on holidays (seed 001).
    page.get_by_role("link", name=zh("Add a rule")).click()
    page.get_by_label(zh("monthly on a day")).check()
    page.get_by_label(zh("Day of the month")).fill("10")
    staff.check("station-rule-new")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Save the rule")).click()
    rule = ReceptionRule.objects.get(station=world.station)
    assert rule.kind == ReceptionRule.Kind.MONTHLY and rule.day_of_month == 10

    # Generate its days, from six weeks back so that one day can be logged already.
    staff.goto(schedule)
    page.get_by_role("link", name=zh("Generate days")).click()
    start, end = today() - datetime.timedelta(days=45), today() + datetime.timedelta(days=60)
    page.locator("#id_start").fill(start.isoformat())
    page.locator("#id_end").fill(end.isoformat())
    staff.check("station-rule-generate")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Generate"), exact=True).click()
    days = ReceptionDay.objects.filter(station=world.station)
    assert days.count() >= 3
    day = days.filter(date__lte=today()).order_by("-date").first()
    assert day is not None and day.date.day >= 10  # the 10th, or the working day after it

    # Duty: two delegates and the leader in charge.
    staff.goto(schedule)
    staff.check("station-schedule")
    row = page.locator("tr", has=page.locator(f"time[datetime='{day.date.isoformat()}']"))
    row.get_by_role("link", name=zh("Duty roster")).click()
    page.wait_for_url(f"**{reverse('stations:day_duty', args=[day.pk])}")
    page.get_by_label("王建华").check()
    page.get_by_label("李梅").check()
    page.get_by_label(zh("Leader in charge")).fill("张主任")
    staff.check("station-day-duty")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Save the roster")).click()
    day.refresh_from_db()
    assert sorted(d.delegate.name for d in day.duties.all()) == ["李梅", "王建华"]
    assert day.leader_name == "张主任"

    # The log: who came, how many residents, and two issues that become suggestions.
    staff.goto(schedule)
    row = page.locator("tr", has=page.locator(f"time[datetime='{day.date.isoformat()}']"))
    row.get_by_role("link", name=zh("Log the day")).click()
    page.wait_for_url(f"**{reverse('stations:day_log', args=[day.pk])}")
    page.get_by_label(zh("Residents received (人次)")).fill("12")
    issues = page.locator("fieldset.stations-issue")
    first, second_issue = issues.nth(0), issues.nth(1)
    first.get_by_label(zh("Topic")).select_option(label="道路交通")
    first.get_by_label(zh("In one line")).fill("富民路口缺少红绿灯")
    first.get_by_label(zh("Details")).fill("上下学时间车多，老人孩子过马路危险。")
    second_issue.get_by_label(zh("Topic")).select_option(label="环境卫生")
    second_issue.get_by_label(zh("In one line")).fill("永泰社区垃圾站异味大")
    second_issue.get_by_label(zh("Details")).fill("夏天垃圾站清运不及时，居民反映异味大。")
    second_issue.get_by_label(zh("Resident's phone (optional)")).fill("13912345678")
    staff.check("station-day-log")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Save the log")).click()
    day.refresh_from_db()
    assert day.visitors == 12 and day.logged_at is not None
    logged = Suggestion.objects.filter(reception_day=day).order_by("title")
    assert [s.title for s in logged] == ["富民路口缺少红绿灯", "永泰社区垃圾站异味大"]
    assert {s.channel for s in logged} == {Channel.RECEPTION_DAY}
    assert "13912345678" not in page.content()
    staff.goto(reverse("stations:day_log", args=[day.pk]))
    staff.check("station-day-logged")
