"""Residents on phones: make a suggestion, follow it, rate it; the language switch; 大字."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from suggestions import services
from suggestions.models import FeedbackChannel, State, Suggestion

pytestmark = pytest.mark.browser


def zh(text, context=None):
    """The Chinese a resident sees for an English msgid: tests click what users read."""
    with translation.override("zh-hans"):
        if context:
            return translation.pgettext(context, text)
        return translation.gettext(text)


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "路灯.jpg"
    image = Image.new("RGB", (320, 240), (40, 40, 60))
    for x in range(140, 180):
        for y in range(20, 200):
            image.putpixel((x, y), (200, 200, 210))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


def _walk_to_replied(suggestion, world, reply):
    """The staff side of the loop, through the services (journey 3 drives it in the browser)."""
    if suggestion.state == State.SUBMITTED:
        suggestion = services.suggestion_accept(suggestion=suggestion, actor=world.delegate_user)
    suggestion = services.suggestion_dispatch(
        suggestion=suggestion, actor=world.delegate_user, unit=world.units.transport, workdays=10
    )
    suggestion = services.suggestion_acknowledge(suggestion=suggestion, actor=world.unit_user)
    suggestion = services.suggestion_unit_reply(
        suggestion=suggestion, actor=world.unit_user, text=reply
    )
    return services.suggestion_publish(
        suggestion=suggestion, actor=world.delegate_user, feedback_channel=FeedbackChannel.PHONE
    )


def test_resident_on_a_phone_submits_a_suggestion_with_a_photo_and_tracks_it(phone, world, photo):
    page = phone.page
    phone.goto("core:home")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    phone.check("home")

    page.locator("main").get_by_role("link", name=zh("Make a suggestion")).first.click()
    page.wait_for_url(f"**{reverse('suggestions:new')}")
    phone.check("suggestion-new")

    # Submitting without accepting the privacy notice: errors tied to the fields, nothing lost.
    page.get_by_label(zh("What is it about")).select_option(label="道路交通（路灯、道路、停车）")
    page.get_by_label(zh("In one line")).fill("新民路路灯不亮")
    page.get_by_label(zh("Details")).fill(
        "新民路18号到30号的路灯坏了一个多月，晚上老人出门不方便。"
    )
    # The picker labels a station with its area ("… · 东南街道"): choose it by its name.
    station = page.get_by_label(zh("Which station should handle it"))
    value = station.locator("option", has_text="东南街道人大代表联络站").first.get_attribute(
        "value"
    )
    station.select_option(value=value)
    page.get_by_label(zh("Your phone")).fill("138 0013 8000")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Submit my suggestion")).click()
    privacy = page.locator("#id_privacy")
    assert privacy.get_attribute("aria-invalid") == "true"
    assert page.locator(f"#{privacy.get_attribute('aria-describedby')}").is_visible()
    assert page.get_by_label(zh("In one line")).input_value() == "新民路路灯不亮"
    assert Suggestion.objects.count() == 0
    phone.check("suggestion-new-errors")

    page.get_by_label(zh("Photos (optional)")).set_input_files(str(photo))
    privacy.check()
    page.get_by_role("button", name=zh("Submit my suggestion")).click()
    page.wait_for_url(f"**{reverse('suggestions:submitted')}")
    suggestion = Suggestion.objects.get()
    assert suggestion.attachments.count() == 1
    assert suggestion.submitter_phone == "13800138000"
    code_box = page.locator(".portal-code-value")
    assert code_box.inner_text().replace("-", "") == suggestion.tracking_code
    phone.check("suggestion-submitted")

    page.get_by_role("link", name=zh("See its progress")).click()
    page.wait_for_url(f"**{reverse('suggestions:track_detail', args=[suggestion.tracking_code])}")
    assert page.get_by_role("heading", level=1).inner_text() == "新民路路灯不亮"
    assert "138****8000" in page.content()
    assert "13800138000" not in page.content()
    phone.check("track-detail")

    # Later, from the home page: the code typed by hand, in lower case with spaces.
    phone.goto("core:home")
    typed = " ".join(suggestion.tracking_code.lower()[i : i + 4] for i in range(0, 12, 4))
    page.get_by_label(zh("Tracking code")).fill(typed)
    page.get_by_role("button", name=zh("Look up")).click()
    page.wait_for_url(f"**{reverse('suggestions:track_detail', args=[suggestion.tracking_code])}")
    assert page.get_by_role("heading", level=1).inner_text() == "新民路路灯不亮"

    phone.goto("suggestions:track")
    phone.check("track")
    page.get_by_label(zh("Tracking code")).fill("AAAA-BBBB-CCCC")
    phone.expect_status(404)
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Look up")).click()
    assert page.get_by_role("alert").is_visible()
    phone.check("track-not-found")


def test_resident_rates_unsatisfied_it_reopens_and_after_a_second_reply_rates_satisfied(
    phone, world
):
    suggestion = services.suggestion_submit(
        title="小区垃圾清运不及时",
        content="富民小区垃圾桶经常满了两三天没人清运。",
        category=world.categories.hygiene,
        station=world.station,
        submitter_phone="13912345678",
    )
    _walk_to_replied(suggestion, world, "已协调环卫所，每天清运一次。")
    page = phone.page

    phone.goto("suggestions:track_detail", suggestion.tracking_code)
    assert "已协调环卫所，每天清运一次。" in page.locator("main").inner_text()
    phone.check("track-detail-replied")
    # Sending the form without a choice: the browser asks for one, nothing is rated.
    page.get_by_role("button", name=zh("Send my rating")).click()
    assert page.evaluate("document.querySelector('input[name=value]').validity.valueMissing")
    suggestion.refresh_from_db()
    assert suggestion.state == State.REPLIED

    page.get_by_label(zh("unsatisfied")).check()
    page.get_by_label(zh("Comment (optional)")).fill("只清运了一次，后来又没人管了。")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Send my rating")).click()
    suggestion.refresh_from_db()
    assert suggestion.state == State.ACCEPTED
    assert suggestion.reopen_count == 1
    assert page.get_by_role("status").is_visible()
    assert page.get_by_role("button", name=zh("Send my rating")).count() == 0
    phone.check("track-detail-reopened")

    _walk_to_replied(suggestion, world, "环卫所已增派一辆清运车，改为每天早晚各清运一次。")
    page.reload()
    assert "早晚各清运一次" in page.locator("main").inner_text()
    page.get_by_label(zh("satisfied"), exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Send my rating")).click()
    suggestion.refresh_from_db()
    assert suggestion.state == State.CLOSED
    assert suggestion.rating == "satisfied"
    phone.check("track-detail-closed")


def test_english_switch_on_the_resident_pages(visitor_factory, world):
    # A phone set to English still gets Chinese until the resident picks English.
    phone = visitor_factory("phone", locale="en-US")
    page = phone.page
    phone.goto("suggestions:new")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("heading", level=1).inner_text() == zh("Make a suggestion")

    page.get_by_role("button", name=zh("Menu")).click()
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.url.endswith(reverse("suggestions:new"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Make a suggestion"
    assert page.get_by_label("In one line").is_visible()
    phone.check("suggestion-new-en")

    # The choice is remembered on the next pages.
    phone.goto("suggestions:track")
    assert page.get_by_role("heading", level=1).inner_text() == "Track progress"
    phone.check("track-en")
    phone.goto("core:home")
    assert page.locator("html").get_attribute("lang") == "en"
    phone.check("home-en")

    page.get_by_role("button", name="Menu").click()
    with page.expect_navigation():
        page.get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_resident_typing_a_title_like_an_open_suggestion_is_shown_it_and_supports_it(phone, world):
    existing = services.suggestion_submit(
        title="新民路路灯不亮",
        content="路灯坏了一个多月。",
        category=world.categories.roads,
        station=world.station,
        submitter_phone="13800138000",
        consent_disclosure=True,
    )
    page = phone.page
    phone.goto("suggestions:new")
    station = page.get_by_label(zh("Which station should handle it"))
    value = station.locator("option", has_text="东南街道人大代表联络站").first.get_attribute(
        "value"
    )
    station.select_option(value=value)
    page.get_by_label(zh("In one line")).fill("新民路的路灯坏了")
    box = page.locator("section[data-similar-url]")
    box.wait_for(state="visible")
    assert existing.title in box.inner_text()
    assert "138" not in box.inner_text()
    phone.assert_no_horizontal_overflow()
    phone.check("suggestion-new-similar")

    with page.expect_navigation():
        box.get_by_role("link", name=zh("I have this problem too")).click()
    page.wait_for_url(f"**{reverse('suggestions:public_detail', args=[existing.pk])}")
    page.get_by_label(zh("Your phone (optional)")).fill("139 0013 9000")
    page.locator("#id_privacy").check()
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Add my support")).click()
    assert page.locator("#public-supporters").get_attribute("data-supporters") == "1"
    phone.assert_no_horizontal_overflow()
    phone.check("suggestion-supported")
    existing.refresh_from_db()
    assert existing.supporter_count == 1
    assert list(existing.supporters.values_list("phone", flat=True)) == ["13900139000"]
