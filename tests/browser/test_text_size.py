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
