"""The congress office sets up reference data without help: in the admin a term, an area's
station (picked by searching, not from a list of every area), a delegate and a category with
its default unit; on the portal's calendar page next year's holidays, then marks it official."""

import datetime

import pytest
from django.urls import reverse

from congress_portal.clock import today
from delegates.models import Delegate, Term
from stations import services as station_services
from stations.models import CalendarDay, CalendarYear, ReceptionRule, Station
from suggestions.demo import office_account_setup
from suggestions.models import Category
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


def _pick(page, field_id, term, choice):
    """Choose ``choice`` in the admin's searching picker of ``field_id``."""
    page.locator(f"#{field_id} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(term)
    page.locator(".select2-results__option", has_text=choice).first.click()


def test_office_sets_up_a_station_delegate_term_and_category_in_the_admin(visitor_factory, world):
    office_account_setup(world.office_user)
    office = visitor_factory("desktop")
    page = office.page
    office.login(world.office_user)
    page.get_by_role("link", name=zh("Administration")).first.click()
    assert page.url.endswith(reverse("admin:index"))
    assert page.locator("#content-main .app-stations").count() == 1

    office.goto("admin:delegates_term_add")
    page.locator("#id_level").select_option("county")
    page.locator("#id_number").fill("7")
    page.locator("#id_start_date").fill("2027-01-06")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/delegates/term/")
    assert Term.objects.filter(level="county", number=7).exists()

    office.goto("admin:stations_station_add")
    # The area is a searching picker: no <option> per area in the page.
    assert page.locator("#id_region option").count() <= 1
    page.locator("#id_name").fill("新港社区代表工作站")
    page.locator("#id_kind").select_option("work")
    _pick(page, "id_region", "东南", "东南街道")
    page.locator("#id_address").fill("新港路1号")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/stations/station/")
    assert Station.objects.get(name="新港社区代表工作站").region == world.street

    office.goto("admin:delegates_delegate_add")
    page.locator("#id_name").fill("周晓红")
    page.locator("#id_gender").select_option("f")
    page.locator("#id_occupation").fill("新港社区党委书记")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/delegates/delegate/")
    assert Delegate.objects.get(name="周晓红").name_pinyin

    office.goto("admin:suggestions_category_add")
    page.locator("#id_name").fill("养老服务")
    _pick(page, "id_default_unit", "东南", "东南街道办事处")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/suggestions/category/")
    assert Category.objects.get(name="养老服务").default_unit == world.units.township
    office.assert_clean()


def test_office_enters_next_years_holidays_and_the_day_moves(visitor_factory, world):
    year = today().year + 1
    rule = ReceptionRule.objects.create(
        station=world.station, kind=ReceptionRule.Kind.MONTHLY, day_of_month=10
    )
    station_services.reception_days_generate(
        rule=rule, start=datetime.date(year, 1, 1), end=datetime.date(year, 12, 31)
    )
    office = visitor_factory("desktop")
    page = office.page
    office.login(world.office_user)
    page.get_by_role("link", name=zh("Holiday calendar")).first.click()
    assert page.url.endswith(reverse("stations:calendar_year", args=[year]))
    assert page.locator("#calendar-status").get_attribute("data-calendar-status") in (
        "provisional",
        "package",
    )
    office.check("calendar-year")

    # A made-up holiday on the 10th of March (a weekday or not), three days long.
    first = datetime.date(year, 3, 9)
    page.locator("#id_name").fill("测试假日")
    page.locator("#id_first_day").fill(first.isoformat())
    page.locator("#id_last_day").fill((first + datetime.timedelta(days=2)).isoformat())
    page.locator("#calendar-add button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("#calendar-periods tr[data-period='测试假日']").count() == 1
    assert CalendarDay.objects.filter(name="测试假日").count() == 3
    march = world.station.reception_days.get(rule_date=datetime.date(year, 3, 10))
    assert march.date > datetime.date(year, 3, 11)

    # A bad range is a form error and keeps what was typed.
    page.locator("#id_name").fill("错误")
    page.locator("#id_first_day").fill(datetime.date(year, 5, 5).isoformat())
    page.locator("#id_last_day").fill(datetime.date(year, 5, 1).isoformat())
    page.locator("#calendar-add button[type=submit]").click()
    page.wait_for_load_state("load")
    assert page.locator("#id_last_day_error").count() == 1
    assert page.locator("#id_name").input_value() == "错误"
    office.check("calendar-year-error")

    if page.locator("#calendar-official").count():
        page.locator("#calendar-official").click()
        page.wait_for_load_state("load")
        assert CalendarYear.objects.get(year=year).is_official
        assert page.locator("#calendar-status").get_attribute("data-calendar-status") == (
            "official"
        )
    office.goto("stations:schedule", world.station.pk)
    assert page.locator(f"[data-calendar-link='{year}']").count() == 0


def test_the_calendar_page_fits_a_390px_screen(visitor_factory, world):
    year = today().year + 1
    station_services.calendar_period_add(
        year=year,
        name="春节",
        first_day=datetime.date(year, 2, 6),
        last_day=datetime.date(year, 2, 13),
        actor=world.office_user,
    )
    office = visitor_factory("phone")
    office.login(world.office_user)
    office.goto("stations:calendar_year", year)
    office.assert_no_horizontal_overflow()
