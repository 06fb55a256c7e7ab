"""The congress office sets up a unit's staff account in the browser; the new account logs in
with the one-time password, chooses its own, and sees the unit's desk. The office's pages fit
a 390 px phone."""

import pytest
from django.urls import reverse

from accounts.models import Role, User
from suggestions import services

pytestmark = pytest.mark.browser

OWN_PASSWORD = "Zr8#pL-uq4Wn-Ty2"


def test_office_creates_a_unit_account_that_logs_in_and_sees_its_desk(visitor_factory, world):
    suggestion = services.suggestion_submit(
        title="新民路路灯不亮",
        content="新民路18号到30号的路灯坏了一个多月。",
        category=world.categories.roads,
        station=world.station,
    )
    suggestion = services.suggestion_accept(suggestion=suggestion, actor=world.delegate_user)
    services.suggestion_dispatch(
        suggestion=suggestion, actor=world.delegate_user, unit=world.units.transport
    )

    office = visitor_factory("desktop")
    page = office.page
    office.login(world.office_user)
    page.locator(f"main a[href='{reverse('accounts:manage')}']").first.click()
    page.wait_for_url(f"**{reverse('accounts:manage')}")
    office.check("accounts-manage")
    page.locator("#account-new").click()
    page.locator("#id_username").fill("sunli")
    page.locator("#id_full_name").fill("孙丽")
    page.locator("#id_role").select_option(Role.UNIT_STAFF)
    page.locator("#id_units").select_option(str(world.units.transport.pk))
    office.check("accounts-new")
    page.locator("#account-form button[type=submit]").click()
    password = page.locator("#initial-password").inner_text().strip()
    office.check("accounts-password")
    assert User.objects.get(username="sunli").handling_units.get() == world.units.transport

    person = visitor_factory("desktop")
    person.goto("accounts:login")
    person.page.locator("#id_username").fill("sunli")
    person.page.locator("#id_password").fill(password)
    person.page.locator("main form button[type=submit]").click()
    person.page.wait_for_url(f"**{reverse('accounts:password_change')}")
    person.page.locator("#id_old_password").fill(password)
    person.page.locator("#id_new_password1").fill(OWN_PASSWORD)
    person.page.locator("#id_new_password2").fill(OWN_PASSWORD)
    person.page.locator("main form button[type=submit]").click()
    person.page.wait_for_url(f"**{reverse('accounts:home')}")
    person.goto("suggestions:desk")
    assert person.page.get_by_text("新民路路灯不亮").count() >= 1


def test_the_office_pages_fit_a_phone(visitor_factory, world):
    office = visitor_factory("phone")
    office.login(world.office_user)
    unit = world.units.transport
    for name, args in [
        ("accounts:manage", []),
        ("accounts:manage_new", []),
        ("accounts:manage_edit", [world.unit_user.pk]),
        ("suggestions:units", []),
        ("suggestions:unit_edit", [unit.pk]),
        ("suggestions:unit_deactivate", [unit.pk]),
        ("delegates:deactivate", [world.delegate.pk]),
    ]:
        office.goto(name, *args)
        office.assert_no_horizontal_overflow()
        office.check(name.replace(":", "-"))
