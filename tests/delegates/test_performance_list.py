"""The office's performance list over the kept figures (PerformanceFigures): what moves them,
that the list's filters and sorts in SQL give what the Python sort gave, and that its number of
queries does not grow with the delegates."""

import datetime
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from congress_portal.clock import frozen_at
from delegates import performance
from delegates.models import Activity, Delegate, Level, PerformanceFigures, YearlyTarget
from delegates.performance import (
    DELEGATE_METRICS,
    LABELS,
    Status,
    performance_for,
    performance_refresh,
    performance_refresh_year,
)
from delegates.services import (
    activity_delete,
    activity_record,
    annual_report_save,
    delegate_save,
    fixed_contact_add,
    yearly_targets_set,
)
from delegates.tasks import refresh_performance_daily
from stations.services import reception_day_log, reception_day_set_duty
from suggestions import services as loop
from tests.delegates.factories import ActivityFactory, DelegateFactory, MandateFactory, TermFactory
from tests.stations.factories import ReceptionDayFactory

pytestmark = pytest.mark.django_db

M = YearlyTarget.Metric
LIST = reverse("delegates:performance_list")


def listed(client, **params):
    """The list's rows as {delegate name: row}, in the page's order."""
    response = client.get(LIST, {"year": 2026, **params})
    assert response.status_code == 200
    return {row.delegate.name: row for row in response.context["rows"]}


def old_sort(rows, sort: str):
    """The Python sort the list used before it read the kept figures (verbatim)."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key in DELEGATE_METRICS:
        return sorted(
            rows,
            key=lambda row: (row.item(key).count, row.delegate.name_pinyin),
            reverse=descending,
        )
    if key == "behind":
        return sorted(
            rows, key=lambda row: (not row.behind, row.met_count, row.delegate.name_pinyin)
        )
    if key == "met":
        return sorted(rows, key=lambda row: (-row.met_count, row.delegate.name_pinyin))
    return sorted(rows, key=lambda row: row.delegate.name_pinyin, reverse=descending)


def test_a_new_activity_moves_the_lists_count_after_its_commit(
    client, office_user, delegate, other_delegate, frozen, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    assert listed(client)[delegate.name].item(M.VISITS).count == 0

    with django_capture_on_commit_callbacks(execute=True):
        activity = activity_record(
            actor=office_user,
            delegate=delegate,
            kind=Activity.Kind.VISIT,
            date=datetime.date(2026, 5, 4),
            participants=[other_delegate],
        )
    rows = listed(client)
    assert rows[delegate.name].item(M.VISITS).count == 1
    assert rows[other_delegate.name].item(M.VISITS).count == 1

    with django_capture_on_commit_callbacks(execute=True):
        activity_delete(activity=activity, actor=office_user)
    assert listed(client)[delegate.name].item(M.VISITS).count == 0


def test_contacts_and_the_annual_report_move_the_list(
    client, office_user, delegate, frozen, django_capture_on_commit_callbacks
):
    client.force_login(office_user)
    listed(client)
    with django_capture_on_commit_callbacks(execute=True):
        fixed_contact_add(actor=office_user, delegate=delegate, name="王大妈")
        annual_report_save(
            actor=office_user,
            delegate=delegate,
            year=2026,
            date=datetime.date(2026, 6, 1),
            place="社区",
            summary="述职",
            satisfied=10,
        )
    row = listed(client)[delegate.name]
    assert row.item(M.FIXED_CONTACTS).count == 1
    assert row.item(M.REPORTS).status == Status.MET


def test_changing_the_yearly_targets_moves_every_status(
    client, office_user, delegate, frozen, django_capture_on_commit_callbacks
):
    ActivityFactory(date=datetime.date(2026, 3, 1), participants=[delegate])
    client.force_login(office_user)
    assert listed(client)[delegate.name].item(M.VISITS).status == Status.BEHIND  # 1 of 10

    with django_capture_on_commit_callbacks(execute=True):
        yearly_targets_set(actor=office_user, year=2026, level="", values={M.VISITS: 1})

    item = listed(client)[delegate.name].item(M.VISITS)
    assert (item.count, item.target, item.status) == (1, 1, Status.MET)


def test_a_suggestion_taken_and_a_reception_day_attended_move_the_list(
    client,
    office_user,
    delegate,
    delegate_user,
    station,
    station_staff_user,
    category,
    frozen,
    django_capture_on_commit_callbacks,
):
    client.force_login(office_user)
    listed(client)
    day = ReceptionDayFactory(station=station, date=datetime.date(2026, 7, 1))
    reception_day_set_duty(day=day, delegates=[delegate])
    with django_capture_on_commit_callbacks(execute=True):
        suggestion = loop.suggestion_submit(
            title="路灯不亮", content="内容", category=category, station=station
        )
        loop.suggestion_accept(suggestion=suggestion, actor=delegate_user)
        reception_day_log(day=day, actor=station_staff_user, visitors=3, attended=[delegate])
    row = listed(client)[delegate.name]
    assert row.item(M.SUGGESTIONS).count == 1
    assert row.item(M.STATION_MONTHS).count == 1


def test_the_daily_refresh_moves_a_status_as_the_year_goes_by(client, office_user, delegate):
    # Six visits by mid-July keep pace with ten a year; by October they no longer do.
    for month in range(1, 7):
        ActivityFactory(date=datetime.date(2026, month, 2), participants=[delegate])
    with frozen_at(datetime.datetime(2026, 7, 15, 10, 0)):
        performance_refresh_year(2026)
        client.force_login(office_user)
        assert listed(client)[delegate.name].item(M.VISITS).status == Status.ON_TRACK
    with frozen_at(datetime.datetime(2026, 10, 1, 0, 30)):
        assert listed(client)[delegate.name].item(M.VISITS).status == Status.ON_TRACK  # kept
        refresh_performance_daily()
        assert listed(client)[delegate.name].item(M.VISITS).status == Status.BEHIND


def test_a_new_delegate_without_figures_still_appears_in_the_list(
    client, office_user, delegate, frozen
):
    client.force_login(office_user)
    listed(client)
    newcomer = DelegateFactory(name="新代表")  # written straight to the table: no hook ran
    ActivityFactory(date=datetime.date(2026, 2, 2), participants=[newcomer])
    assert not PerformanceFigures.objects.filter(delegate=newcomer).exists()

    rows = listed(client)

    assert rows["新代表"].item(M.VISITS).count == 1
    assert PerformanceFigures.objects.filter(delegate=newcomer, year=2026).exists()


def test_many_delegates_without_figures_are_computed_in_the_background_and_the_page_says_so(
    client, office_user, frozen, monkeypatch
):
    monkeypatch.setattr(performance, "FILL_INLINE", 1)
    DelegateFactory.create_batch(3)
    client.force_login(office_user)

    response = client.get(LIST, {"year": 2026})

    # The task queue runs inline in the tests: the figures are there by the next view.
    assert response.context["pending"] == 3
    assert "正在计算" in response.content.decode()
    assert len(client.get(LIST, {"year": 2026}).context["rows"]) == 3


def test_a_delegate_created_through_the_service_gets_a_file_and_a_rename_sorts_anew(
    client, office_user, frozen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = delegate_save(delegate=Delegate(name="王芳"))
        delegate_save(delegate=Delegate(name="李明"))
    assert PerformanceFigures.objects.filter(year=2026).count() == 2
    client.force_login(office_user)
    assert list(listed(client)) == ["李明", "王芳"]
    first.name = "艾青"
    with django_capture_on_commit_callbacks(execute=True):
        delegate_save(delegate=first)
    assert list(listed(client)) == ["艾青", "李明"]


def _varied_delegates():
    """Fourteen delegates with varied counts, two of them with the same pinyin."""
    rng = random.Random(12)
    people = [DelegateFactory(name=f"代表{n}", name_pinyin=f"daibiao{n:02d}") for n in range(12)]
    people.append(DelegateFactory(name="张伟", name_pinyin="zhangwei"))
    people.append(DelegateFactory(name="章伟", name_pinyin="zhangwei"))
    kinds = [Activity.Kind.VISIT, Activity.Kind.RECEPTION, Activity.Kind.CONSTITUENCY]
    for _ in range(70):
        ActivityFactory(
            kind=rng.choice(kinds),
            date=datetime.date(2026, rng.randint(1, 7), rng.randint(1, 14)),
            participants=rng.sample(people, rng.randint(1, 3)),
        )
    MandateFactory(delegate=people[0], term=TermFactory(level=Level.CITY))
    return people


@pytest.mark.parametrize(
    "sort",
    ["name", "-name", "behind", "met", "bogus"]
    + list(DELEGATE_METRICS)
    + ["-" + code for code in DELEGATE_METRICS],
)
def test_the_sql_sorts_give_the_order_the_python_sort_gave(client, office_user, frozen, sort):
    _varied_delegates()
    performance_refresh_year(2026)
    before = old_sort(performance_for(Delegate.objects.order_by("name_pinyin", "name"), 2026), sort)
    client.force_login(office_user)

    rows = listed(client, sort=sort)

    assert list(rows) == [row.delegate.name for row in before]
    for row in before:
        kept = rows[row.delegate.name]
        assert [(i.count, i.target, i.status, i.missing) for i in kept.items] == [
            (i.count, i.target, i.status, i.missing) for i in row.items
        ]


def test_the_behind_filter_keeps_the_python_order_of_the_behind_ones(client, office_user, frozen):
    _varied_delegates()
    performance_refresh_year(2026)
    rows = performance_for(Delegate.objects.order_by("name_pinyin", "name"), 2026)
    expected = [row.delegate.name for row in old_sort(rows, "-visits") if row.behind]
    client.force_login(office_user)

    response = client.get(LIST, {"year": 2026, "status": "behind", "sort": "-visits"})

    assert [row.delegate.name for row in response.context["rows"]] == expected
    assert response.context["total"] == len(expected)


def test_filters_by_level_station_and_group_and_pages(client, office_user, station, frozen):
    people = _varied_delegates()
    people[1].stations.add(station)
    performance_refresh_year(2026)
    client.force_login(office_user)

    assert list(listed(client, level=Level.CITY)) == [people[0].name]
    assert list(listed(client, station=station.pk)) == [people[1].name]
    page = client.get(LIST, {"year": 2026, "page": 2})
    assert page.context["page_obj"].number == 1  # 14 delegates: one page
    assert "统计截至" in page.content.decode()


def _list_queries(client) -> int:
    client.get(LIST, {"year": 2026})  # the first view fills what is missing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"year": 2026, "sort": "-visits", "status": "behind"})
    assert response.status_code == 200
    return len(queries)


def test_the_lists_queries_are_few_and_do_not_grow_with_the_delegates(
    client, office_user, frozen, django_assert_max_num_queries
):
    client.force_login(office_user)
    DelegateFactory.create_batch(3)
    few = _list_queries(client)
    for person in DelegateFactory.create_batch(60):
        ActivityFactory(date=datetime.date(2026, 1, 5), participants=[person])
    many = _list_queries(client)

    assert few == many
    with django_assert_max_num_queries(9):
        client.get(LIST, {"year": 2026, "sort": "behind", "page": 2})


def test_the_export_reads_the_kept_figures_shades_the_behind_and_keeps_text_as_text(
    client, office_user, delegate, frozen
):
    evil = DelegateFactory(name="=cmd|' /C calc'!A0")
    ActivityFactory(date=datetime.date(2026, 3, 3), participants=[delegate])
    performance_refresh([delegate.pk, evil.pk], 2026)
    client.force_login(office_user)

    response = client.get(reverse("delegates:performance_export"), {"year": 2026})

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    by_name = {sheet.cell(row=r, column=1).value: r for r in (2, 3)}
    visits = header.index(str(LABELS[M.VISITS])) + 1
    assert sheet.cell(row=by_name[delegate.name], column=visits).value == 1
    evil_cell = sheet.cell(row=by_name[evil.name], column=1)
    assert evil_cell.data_type == "s" and evil_cell.quotePrefix
    assert sheet.cell(row=2, column=1).fill.fgColor.rgb.endswith("FDE2E1")  # behind: shaded
    assert sheet.freeze_panes == "B2"
    assert AuditEvent.objects.get(action="performance.export").detail["rows"] == 2


def test_rebuild_performance_recomputes_a_year(delegate, frozen, capsys):
    ActivityFactory(date=datetime.date(2025, 4, 4), participants=[delegate])
    call_command("rebuild_performance", "--year", "2025")
    kept = PerformanceFigures.objects.get(delegate=delegate, year=2025)
    assert kept.visits == 1 and kept.behind
    call_command("rebuild_performance", "--missing")
    assert PerformanceFigures.objects.filter(delegate=delegate, year=2026).exists()
    assert "delegates computed" in capsys.readouterr().out


def test_years_far_ahead_keep_no_files(client, office_user, delegate, frozen):
    client.force_login(office_user)
    assert client.get(LIST, {"year": 2090}).status_code == 200
    assert client.get(LIST, {"year": 2027}).status_code == 200
    assert set(PerformanceFigures.objects.values_list("year", flat=True)) == {2027}


def test_a_reply_a_reopening_and_a_merge_move_the_list(
    client,
    office_user,
    delegate,
    delegate_user,
    station,
    category,
    frozen,
    django_capture_on_commit_callbacks,
):
    client.force_login(office_user)
    listed(client)

    def taken(title):
        suggestion = loop.suggestion_submit(
            title=title, content="内容", category=category, station=station
        )
        return loop.suggestion_accept(suggestion=suggestion, actor=delegate_user)

    with django_capture_on_commit_callbacks(execute=True):
        first, second = taken("路灯不亮"), taken("路灯坏了")
        first = loop.suggestion_handle_on_spot(
            suggestion=first, actor=delegate_user, result="已修好"
        )
    row = listed(client)[delegate.name]
    assert (row.item(M.SUGGESTIONS).count, row.item(M.PROBLEMS_SOLVED).count) == (2, 1)

    with django_capture_on_commit_callbacks(execute=True):
        loop.suggestion_rate(suggestion=first, value="unsatisfied", comment="还是不亮")
        loop.suggestion_merge(suggestion=second, into=first, actor=delegate_user)
    row = listed(client)[delegate.name]
    assert (row.item(M.SUGGESTIONS).count, row.item(M.PROBLEMS_SOLVED).count) == (1, 0)
