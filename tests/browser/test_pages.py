"""Pages the journeys pass by: public lists, login with errors, error pages, keyboard focus."""

import pytest
from django.urls import reverse

from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


def test_public_pages_on_a_phone(phone, world):
    for name, args in [
        ("stations:list", []),
        ("stations:detail", [world.station.pk]),
        ("delegates:list", []),
        ("delegates:detail", [world.delegate.pk]),
    ]:
        phone.goto(name, *args)
        phone.assert_no_horizontal_overflow()
        phone.check(name.replace(":", "-"))


def test_login_errors_are_tied_to_the_fields_and_the_error_pages_are_accessible(desktop, world):
    page = desktop.page
    desktop.goto("accounts:login")
    desktop.check("login")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Log in")).click()
    username = page.locator("#id_username")
    assert username.get_attribute("aria-invalid") == "true"
    assert page.locator(f"#{username.get_attribute('aria-describedby').split()[-1]}").is_visible()
    desktop.check("login-errors")

    desktop.goto("/no-such-page/", expect=404)
    assert page.get_by_role("heading", level=1).is_visible()
    desktop.check("error-404")

    # Anonymous on a staff page: the login page, and back after logging in.
    desktop.goto("suggestions:desk", expect=200)
    assert reverse("accounts:login") in page.url


def test_keyboard_users_see_the_skip_link_and_where_focus_is(desktop, world):
    page = desktop.page
    desktop.goto("core:home")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=zh("Skip to main content"))
    assert skip.evaluate("el => el === document.activeElement")
    assert skip.is_visible() and skip.bounding_box()["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every later stop has a visible focus outline.
    for _ in range(6):
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
        )
        assert outline[0] != "none" and outline[1] >= 2, outline


def test_staff_tables_on_a_phone_stay_inside_the_screen_and_scroll_by_keyboard(phone, world):
    phone.login(world.office_user)
    for path, name in [
        (reverse("dashboard:dashboard"), "dashboard-office"),
        (reverse("delegates:performance_list"), "performance-list-office"),
        (reverse("suggestions:desk"), "desk-list-office"),
    ]:
        phone.goto(path)
        assert phone.page.evaluate("window.innerWidth") == 390  # not zoomed out
        phone.assert_no_horizontal_overflow()
        phone.check(name)
