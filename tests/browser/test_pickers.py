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
    # The station first: the communities offered are those of its area, and choosing another
    # station empties the community. One station: listed whole, a plain select, labelled with
    # its area as the picker labels.
    page.get_by_role("combobox", name=zh("Station"), exact=True).select_option(
        label=f"{world.station.name} · {world.street.name}"
    )
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
    page.get_by_label(zh("Category")).select_option(label="道路交通")
    page.get_by_label(zh("Title")).fill("南关巷路灯不亮")
    page.get_by_label(zh("Details")).fill("南关巷口的路灯坏了半个月。")
    staff.check("desk-new-picker-chosen")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Save the suggestion")).click()

    suggestion = Suggestion.objects.get(title="南关巷路灯不亮")
    assert suggestion.place == community
    assert page.url.endswith(reverse("suggestions:desk_detail", args=[suggestion.pk]))


def test_the_office_filters_the_desk_by_a_station_found_among_many(visitor_factory, world):
    from stations.models import Station
    from suggestions import services

    Station.objects.bulk_create(
        [
            Station(
                name=f"第{n}联络站", kind=Station.Kind.LIAISON, region=world.street, address="路"
            )
            for n in range(SMALL_SCOPE + 30)
        ]
    )
    for title, station in (("东南的建议", world.station), ("别处的建议", Station.objects.last())):
        services.suggestion_submit(
            title=title, content="内容。", category=world.categories.roads, station=station
        )

    office = visitor_factory("desktop")
    page = office.page
    office.login(world.office_user)
    office.goto("suggestions:desk")
    box = page.get_by_role("combobox", name=zh("Station"), exact=True)
    box.click()
    box.press_sequentially("联络站", delay=30)
    results = page.locator("#id_station-ts-dropdown")
    results.get_by_role("option").first.wait_for()
    # Twenty at most, and a word that there are more.
    assert results.get_by_role("option").count() == 20
    assert page.locator(".ts-dropdown .border-top").is_visible()
    office.check("desk-office-station-picker")
    box.fill("")
    box.press_sequentially("东南", delay=30)
    results.get_by_role("option", name="东南街道人大代表联络站 · 东南街道").click()
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Apply filters")).click()

    assert page.get_by_role("link", name="东南的建议").is_visible()
    assert not page.get_by_role("link", name="别处的建议").count()
    # The chosen station comes back as the only option the server sends.
    assert page.locator("select#id_station option").count() == 2
    office.check("desk-office-filtered")
