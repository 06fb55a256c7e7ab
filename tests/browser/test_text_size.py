"""Elderly readers: the 大字 toggle persists, and text at 200% loses nothing on a phone."""

import pytest
from django.urls import reverse

from suggestions import services
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser

BODY_FONT_PX = "parseFloat(getComputedStyle(document.body).fontSize)"


def test_large_text_toggle_persists_across_pages_and_visits(visitor_factory, world):
    phone = visitor_factory("phone")
    page = phone.page
    phone.goto("core:home")
    normal = page.evaluate(BODY_FONT_PX)
    toggle = page.get_by_role("button", name=zh("Large text"))
    assert toggle.is_visible()  # in sight on a phone, not hidden in the menu
    assert toggle.get_attribute("aria-pressed") == "false"

    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    large = page.evaluate(BODY_FONT_PX)
    assert large >= normal * 1.2
    phone.assert_no_horizontal_overflow()
    phone.check("home-large")

    # Another page: large from the first paint (the class is set while <head> loads).
    page.get_by_role("link", name=zh("Make a suggestion")).first.click()
    page.wait_for_url(f"**{reverse('suggestions:new')}")
    assert page.evaluate(BODY_FONT_PX) == large
    assert page.get_by_role("button", name=zh("Large text")).get_attribute("aria-pressed") == "true"
    phone.assert_no_horizontal_overflow()
    phone.check("suggestion-new-large")

    # A later visit in a new tab of the same browser: still large.
    second = phone.context.new_page()
    second.goto(reverse("suggestions:track"))
    assert second.evaluate(BODY_FONT_PX) == large
    second.close()

    # And back to normal, remembered too.
    page.get_by_role("button", name=zh("Large text")).click()
    assert page.evaluate(BODY_FONT_PX) == normal
    page.reload()
    assert page.evaluate(BODY_FONT_PX) == normal
    assert (
        page.get_by_role("button", name=zh("Large text")).get_attribute("aria-pressed") == "false"
    )


def test_without_javascript_the_toggle_is_not_offered_and_pages_still_work(visitor_factory, world):
    phone = visitor_factory("phone", java_script_enabled=False)
    phone.goto("core:home")
    assert not phone.page.get_by_role("button", name=zh("Large text")).is_visible()
    # The menu stays open without scripts: every link is reachable.
    assert phone.page.get_by_role("link", name=zh("Track progress")).first.is_visible()


def test_resident_pages_at_200_percent_text_on_a_phone_scroll_only_vertically(phone, world):
    suggestion = services.suggestion_submit(
        title="新民路路灯不亮",
        content="新民路18号到30号的路灯坏了一个多月。",
        category=world.categories.roads,
        station=world.station,
        submitter_phone="13800138000",
    )
    pages = [
        reverse("core:home"),
        reverse("suggestions:new"),
        reverse("suggestions:track"),
        reverse("suggestions:track_detail", args=[suggestion.tracking_code]),
        reverse("stations:list"),
        reverse("stations:detail", args=[world.station.pk]),
        reverse("delegates:list"),
        reverse("delegates:detail", args=[world.delegate.pk]),
        reverse("accounts:login"),
    ]
    for path in pages:
        phone.goto(path)
        # CSSOM changes are not inline style attributes: the page's CSP allows them.
        phone.page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert phone.page.evaluate(BODY_FONT_PX) >= 32
        phone.assert_no_horizontal_overflow()
    phone.assert_clean()


# --- Every page at 200 % text on a 390 px phone, in both languages, as each role (issue 14) ----

# Chromium's own text-size setting at twice its default (16 px → 32 px), as a reader who set
# "very large" text in the browser has it: pages sized in rem follow it, 大字 multiplies it.
TWICE_THE_TEXT = {"standard": 32, "fixed": 26}
LARGE_TEXT = "portal-large-text"  # the class static/js/portal.js puts on <html> for 大字


def _twice_the_text(visitor):
    session = visitor.context.new_cdp_session(visitor.page)
    session.send("Page.setFontSizes", {"fontSizes": TWICE_THE_TEXT})


def _english(visitor):
    visitor.context.add_cookies(
        [{"name": "django_language", "value": "en", "url": visitor.base_url}]
    )


@pytest.fixture
def busy_world(world):
    """The small district with what the overflowing pages show: a dispatched suggestion at its
    unit, one published to the public board, a meeting with a topic, a diary note and a
    reception day this month (the bulletin's table)."""
    from congress_portal.clock import today
    from delegates import services as delegate_services
    from meetings import services as meeting_services
    from meetings.models import Meeting
    from tests.browser.test_resident import _walk_to_replied
    from tests.stations.factories import ReceptionDayFactory

    at_unit = services.suggestion_submit(
        title="新民路18号至30号路灯不亮，晚上老人出门不方便",
        content="新民路18号到30号的路灯坏了一个多月。",
        category=world.categories.roads,
        station=world.station,
        submitter_name="王秀英",
        submitter_phone="13800138000",
        consent_disclosure=True,
    )
    at_unit = services.suggestion_accept(suggestion=at_unit, actor=world.delegate_user)
    at_unit = services.suggestion_dispatch(
        suggestion=at_unit, actor=world.delegate_user, unit=world.units.transport, workdays=10
    )
    at_unit = services.suggestion_acknowledge(suggestion=at_unit, actor=world.unit_user)
    public = services.suggestion_submit(
        title="东南街道幸福小区垃圾清运不及时",
        content="小区门口的垃圾桶经常满了两三天才清运，夏天气味很大。",
        category=world.categories.hygiene,
        station=world.station,
        submitter_phone="13912345678",
        consent_disclosure=True,
    )
    public = _walk_to_replied(public, world, "已协调环卫所每天清运两次。")
    meeting = meeting_services.meeting_create(
        actor=world.staff_user,
        station=world.station,
        kind=Meeting.Kind.BENCH,
        title="新民路路灯和停车问题板凳议事会",
        date=today(),
        place="东南街道新民路18号联络站二楼会议室",
        delegates=[world.delegate],
    )
    topic = meeting_services.topic_create(
        meeting=meeting,
        actor=world.staff_user,
        title="新民路夜间照明",
        suggestions=[at_unit],
        description="居民反映新民路路灯长期不亮。",
    )
    delegate_services.diary_entry_create(
        actor=world.delegate_user,
        delegate=world.delegate,
        text="走访幸福小区，居民反映停车位不够，电动车充电桩也少。",
        place="幸福小区3号楼",
    )
    ReceptionDayFactory(station=world.station, date=today().replace(day=10), theme="道路交通")
    world.at_unit, world.public, world.meeting, world.topic = at_unit, public, meeting, topic
    return world


def _pages_by_role(world):
    """What each role opens, as the paths the issue names plus the pages next to them."""
    station, meeting = world.station, world.meeting
    public = [
        reverse("delegates:list"),
        reverse("dashboard:public"),
        reverse("stations:bulletin", args=[station.pk]),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("stations:detail", args=[station.pk]),
    ]
    desk = [
        reverse("suggestions:desk"),
        reverse("suggestions:desk_detail", args=[world.at_unit.pk]),
    ]
    meetings = [
        reverse("meetings:list"),
        reverse("meetings:satisfaction"),
        reverse("meetings:manage", args=[meeting.pk]),
        reverse("meetings:topic", args=[world.topic.pk]),
        reverse("meetings:topic_create", args=[meeting.pk]),
        reverse("meetings:topic_proposals", args=[meeting.pk]),
    ]
    figures = [reverse("dashboard:ledgers"), reverse("dashboard:dashboard")]
    return {
        None: public,
        world.office_user: [
            *figures,
            *meetings,
            *desk,
            reverse("delegates:diary"),
            reverse("delegates:performance_list"),
            reverse("accounts:home"),
        ],
        world.staff_user: [
            *figures,
            *meetings,
            *desk,
            reverse("stations:manage"),
            reverse("stations:schedule", args=[station.pk]),
            reverse("stations:ledger", args=[station.pk]),
            reverse("stations:bulletin", args=[station.pk]),
        ],
        world.delegate_user: [
            reverse("delegates:diary"),
            *desk,
            reverse("delegates:my_performance"),
            reverse("delegates:activity_list"),
            reverse("meetings:list"),
            reverse("meetings:satisfaction"),
            reverse("meetings:topic", args=[world.topic.pk]),
            *figures,
        ],
        world.unit_user: [*figures, *desk],
    }


def _assert_fits(visitor, path):
    """The page at 200 % text, then with 大字 on top, scrolls only vertically."""
    visitor.goto(path)
    page = visitor.page
    assert page.evaluate(BODY_FONT_PX) >= 32, f"{path}: the text is not at 200 %"
    visitor.assert_no_horizontal_overflow()
    # 大字 as the toggle sets it (a class on <html>, no style attribute: the CSP allows it).
    page.evaluate(f"document.documentElement.classList.add('{LARGE_TEXT}')")
    assert page.evaluate(BODY_FONT_PX) >= 40, f"{path}: 大字 does not enlarge the text"
    visitor.assert_no_horizontal_overflow()
    page.evaluate(f"document.documentElement.classList.remove('{LARGE_TEXT}')")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_at_200_percent_text_and_large_text_fits_a_phone_for_each_role(
    visitor_factory, busy_world, language
):
    for user, paths in _pages_by_role(busy_world).items():
        phone = visitor_factory("phone")
        if language == "en":
            _english(phone)
        _twice_the_text(phone)
        if user is not None:
            phone.login(user)
        for path in paths:
            _assert_fits(phone, path)
        expected = "en" if language == "en" else "zh-hans"
        assert phone.page.locator("html").get_attribute("lang") == expected
        phone.assert_clean()
