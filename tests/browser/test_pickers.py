"""A picker that searches (static/js/pickers.js with Tom Select): staff type, choose, save."""

import pytest
from django.urls import reverse

from congress_portal.pickers import SMALL_SCOPE
from stations.models import Region
from suggestions.models import Suggestion
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_station_staff_find_a_community_by_typing_and_choose_it_with_the_keyboard(
    visitor_factory, world, viewport
):
    # More communities than a select lists whole: the field becomes a searching picker.
    for number in range(SMALL_SCOPE + 5):
        Region.objects.create(
            name=f"第{number}社区", kind=Region.Kind.COMMUNITY, parent=world.street
        )
    community = Region.objects.create(
        name="南关社区", kind=Region.Kind.COMMUNITY, parent=world.street
    )

    staff = visitor_factory(viewport)
    page = staff.page
    staff.login(world.staff_user)
    staff.goto("suggestions:desk_new")
    # The server sent only the empty choice; the picker replaced the select.
    assert page.locator("select#id_place option").count() == 1
    place = page.get_by_role("combobox", name=zh("Community or village"))
    place.click()
    place.press_sequentially("南关", delay=50)
    results = page.locator("#id_place-ts-dropdown")  # the listbox the picker opened
    results.get_by_role("option", name="南关社区 · 东南街道 · 示范区").wait_for()
    assert results.get_by_role("option").count() == 1
    staff.check("desk-new-picker-open")  # axe over the open picker too
    staff.assert_no_horizontal_overflow()
    page.keyboard.press("Enter")
    assert page.locator("select#id_place").input_value() == str(community.pk)

    page.get_by_label(zh("How it was heard")).select_option("visit")
    # One station: listed whole, a plain select, labelled with its area as the picker labels.
    page.get_by_role("combobox", name=zh("Station"), exact=True).select_option(
        label=f"{world.station.name} · {world.street.name}"
    )
    page.get_by_label(zh("Category")).select_option(label="道路交通")
    page.get_by_label(zh("Title")).fill("南关巷路灯不亮")
    page.get_by_label(zh("Details")).fill("南关巷口的路灯坏了半个月。")
    staff.check("desk-new-picker-chosen")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Save the suggestion")).click()

    suggestion = Suggestion.objects.get(title="南关巷路灯不亮")
    assert suggestion.place == community
    assert page.url.endswith(reverse("suggestions:desk_detail", args=[suggestion.pk]))
