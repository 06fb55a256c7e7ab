"""The performance file: what counts, how much, and the status against the year's targets."""

import datetime

import pytest
from django.db.models import Q

from congress_portal.clock import frozen_at
from delegates.models import Activity, AnnualReport, Delegate, FixedContact, Level, YearlyTarget
from delegates.performance import Status, performance_for, performance_of, quarter_name
from delegates.services import activity_record, yearly_targets_set
from stations.models import DutyAssignment, ReceptionDay
from stations.services import reception_day_log, reception_day_set_duty
from suggestions import services as loop
from suggestions.models import Outcome, State, Suggestion
from tests.delegates.factories import ActivityFactory, DelegateFactory, MandateFactory, TermFactory
from tests.stations.factories import ReceptionDayFactory

pytestmark = pytest.mark.django_db

M = YearlyTarget.Metric


def test_station_visits_in_11_of_12_months_miss_the_monthly_target_naming_the_month(
    delegate, frozen
):
    for month in range(1, 13):
        if month == 6:
            continue
        ActivityFactory(
            kind=Activity.Kind.RECEPTION,
            date=datetime.date(2025, month, 10),
            participants=[delegate],
        )

    item = performance_of(delegate, 2025).item(M.STATION_MONTHS)

    assert item.count == 11
    assert item.target == 12
    assert item.status == Status.BEHIND
    assert item.missing == ["六月"]


def test_twelve_months_meet_the_monthly_target(delegate, frozen):
    for month in range(1, 13):
        ActivityFactory(
            kind=Activity.Kind.RECEPTION,
            date=datetime.date(2025, month, 3),
            participants=[delegate],
        )
    item = performance_of(delegate, 2025).item(M.STATION_MONTHS)
    assert (item.count, item.status, item.missing) == (12, Status.MET, [])


def test_in_the_current_year_only_months_gone_by_are_missing(delegate, frozen):
    # Today is 15 July 2026: January to June are over, July is still open.
    for month in (1, 2, 3, 4, 5, 6):
        ActivityFactory(
            kind=Activity.Kind.RECEPTION,
            date=datetime.date(2026, month, 3),
            participants=[delegate],
        )
    item = performance_of(delegate, 2026).item(M.STATION_MONTHS)
    assert item.status == Status.ON_TRACK
    assert item.missing == []

    ActivityFactory(
        kind=Activity.Kind.VISIT, date=datetime.date(2026, 7, 1), participants=[delegate]
    )
    assert performance_of(delegate, 2026).item(M.STATION_MONTHS).status == Status.ON_TRACK


def test_an_attended_reception_duty_counts_as_a_station_visit_without_being_entered_again(
    delegate, other_delegate, station, station_staff_user, frozen
):
    day = ReceptionDayFactory(station=station, date=datetime.date(2026, 3, 10))
    reception_day_set_duty(day=day, delegates=[delegate, other_delegate])
    reception_day_log(day=day, actor=station_staff_user, visitors=5, attended=[delegate])

    mine = performance_of(delegate, 2026).item(M.STATION_MONTHS)
    theirs = performance_of(other_delegate, 2026).item(M.STATION_MONTHS)

    assert mine.count == 1
    assert "三月" not in mine.missing
    assert theirs.count == 0
    assert "三月" in theirs.missing


def test_a_group_activity_with_three_delegates_counts_once_for_each(delegate, office_user, frozen):
    second, third, outsider = DelegateFactory(), DelegateFactory(), DelegateFactory()
    activity_record(
        actor=office_user,
        delegate=delegate,
        kind=Activity.Kind.VISIT,
        date=datetime.date(2026, 4, 2),
        participants=[second, third],
        residents_contacted=12,
    )

    rows = performance_for([delegate, second, third, outsider], 2026)

    assert [row.item(M.VISITS).count for row in rows] == [1, 1, 1, 0]


def test_quarters_back_in_the_constituency_name_the_missed_quarter(delegate, frozen):
    for month in (2, 8, 11):
        ActivityFactory(
            kind=Activity.Kind.CONSTITUENCY,
            date=datetime.date(2025, month, 1),
            participants=[delegate],
        )
    row = performance_of(delegate, 2025)
    quarters = row.item(M.CONSTITUENCY_QUARTERS)
    returns = row.item(M.CONSTITUENCY_RETURNS)
    assert (quarters.count, quarters.status, quarters.missing) == (
        3,
        Status.BEHIND,
        [quarter_name(2)],
    )
    assert (returns.count, returns.status) == (3, Status.MET)


def test_counted_targets_are_on_track_while_keeping_pace_with_the_year(delegate, frozen):
    # 15 July: a little over half the year; 10 visits a year → 5 expected by now.
    for day in range(1, 6):
        ActivityFactory(date=datetime.date(2026, 1, day), participants=[delegate])
    assert performance_of(delegate, 2026).item(M.VISITS).status == Status.ON_TRACK
    Activity.objects.filter(date=datetime.date(2026, 1, 5)).delete()
    assert performance_of(delegate, 2026).item(M.VISITS).status == Status.BEHIND
    # Last year is over: 4 of 10 is behind, 10 of 10 met.
    assert performance_of(delegate, 2025).item(M.VISITS).status == Status.BEHIND


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (datetime.date(2026, 1, 15), Status.ON_TRACK),
        (datetime.date(2026, 7, 1), Status.ON_TRACK),
        (datetime.date(2026, 11, 30), Status.ON_TRACK),
        (datetime.date(2026, 12, 1), Status.BEHIND),  # issue 14: read "on track"
        (datetime.date(2026, 12, 31), Status.BEHIND),
        (datetime.date(2027, 1, 2), Status.BEHIND),  # the year is over
    ],
)
def test_a_yearly_report_not_given_is_behind_once_no_month_is_left(delegate, on, expected):
    with frozen_at(datetime.datetime(on.year, on.month, on.day, 10)):
        assert performance_of(delegate, 2026).item(M.REPORTS).status == expected


@pytest.mark.parametrize(
    ("on", "count", "expected"),
    [
        # 10 visits a year: the pace (rounded down) and what is left to do must both hold.
        (datetime.date(2026, 11, 15), 9, Status.ON_TRACK),
        (datetime.date(2026, 12, 1), 9, Status.BEHIND),
        (datetime.date(2026, 12, 1), 10, Status.MET),
        (datetime.date(2026, 3, 1), 1, Status.ON_TRACK),
        (datetime.date(2026, 3, 1), 0, Status.BEHIND),
        (datetime.date(2026, 12, 31), 9, Status.BEHIND),
        (datetime.date(2026, 1, 10), 0, Status.ON_TRACK),
    ],
)
def test_a_counted_target_compares_against_the_time_left_in_the_year(delegate, on, count, expected):
    for day in range(1, count + 1):
        ActivityFactory(
            kind=Activity.Kind.VISIT, date=datetime.date(2026, 1, day), participants=[delegate]
        )
    with frozen_at(datetime.datetime(on.year, on.month, on.day, 10)):
        assert performance_of(delegate, 2026).item(M.VISITS).status == expected


def test_the_annual_report_meets_the_yearly_report_target(delegate, office_user, frozen):
    assert performance_of(delegate, 2025).item(M.REPORTS).status == Status.BEHIND
    AnnualReport.objects.create(
        delegate=delegate,
        year=2025,
        date=datetime.date(2025, 12, 20),
        place="社区会议室",
        summary="一年履职情况",
        satisfied=40,
        basically_satisfied=8,
        unsatisfied=2,
    )
    row = performance_of(delegate, 2025)
    assert row.item(M.REPORTS).status == Status.MET
    assert row.satisfaction == pytest.approx(0.96)


def test_a_level_has_its_own_targets_and_the_office_default_applies_otherwise(
    delegate, office_user, frozen
):
    MandateFactory(delegate=delegate, term=TermFactory(level=Level.TOWNSHIP, end_date=None))
    yearly_targets_set(actor=office_user, year=2026, level="", values={M.VISITS: 8})
    yearly_targets_set(actor=office_user, year=2026, level=Level.TOWNSHIP, values={M.VISITS: 20})
    other = DelegateFactory()

    mine, theirs = performance_for([delegate, other], 2026)

    assert mine.item(M.VISITS).target == 20
    assert theirs.item(M.VISITS).target == 8
    # A metric nobody set keeps the seeds' number.
    assert mine.item(M.FIXED_CONTACTS).target == 5


def test_suggestions_count_when_taken_and_problems_when_solved(
    delegate_user, delegate, station, category, handling_unit, frozen
):
    def submit(title):
        return loop.suggestion_submit(
            title=title,
            content="内容",
            category=category,
            station=station,
            actor=delegate_user,
            channel="visit",
        )

    on_spot = loop.suggestion_accept(suggestion=submit("一"), actor=delegate_user)
    loop.suggestion_handle_on_spot(suggestion=on_spot, actor=delegate_user, result="已修好")
    dispatched = loop.suggestion_accept(suggestion=submit("二"), actor=delegate_user)
    loop.suggestion_dispatch(
        suggestion=dispatched, actor=delegate_user, unit=handling_unit, workdays=5
    )
    explained = loop.suggestion_accept(suggestion=submit("三"), actor=delegate_user)
    loop.suggestion_explain(suggestion=explained, actor=delegate_user, reason="不符合政策")
    submit("四")  # not taken: not the delegate's yet

    row = performance_of(delegate, 2026)

    assert row.item(M.SUGGESTIONS).count == 3
    assert row.item(M.ISSUES_REFLECTED).count == 1
    assert row.item(M.PROBLEMS_SOLVED).count == 1
    assert performance_of(delegate, 2025).item(M.SUGGESTIONS).count == 0


def test_fixed_contacts_count_for_the_years_they_last(delegate, frozen):
    FixedContact.objects.create(delegate=delegate, name="王大妈", since=datetime.date(2024, 5, 1))
    FixedContact.objects.create(
        delegate=delegate,
        name="李大爷",
        since=datetime.date(2024, 5, 1),
        until=datetime.date(2025, 3, 1),
    )
    FixedContact.objects.create(delegate=delegate, name="赵阿姨", since=datetime.date(2026, 2, 1))
    assert performance_of(delegate, 2025).item(M.FIXED_CONTACTS).count == 2
    assert performance_of(delegate, 2026).item(M.FIXED_CONTACTS).count == 2


def test_the_number_of_queries_does_not_grow_with_the_delegates(
    delegate, django_assert_max_num_queries, frozen
):
    delegates = [delegate] + [DelegateFactory() for _ in range(30)]
    for number, person in enumerate(delegates):
        ActivityFactory(date=datetime.date(2026, 1 + number % 6, 1), participants=[person])
    with django_assert_max_num_queries(8):
        rows = performance_for(delegates, 2026)
    assert len(rows) == 31


def _independent_counts(delegate: Delegate, year: int) -> dict[str, int]:
    """The same numbers counted the plain way, one delegate at a time, straight from the
    tables (no code shared with delegates.performance)."""
    activities = Activity.objects.filter(participants=delegate, date__year=year)
    months = {a.date.month for a in activities.filter(kind=Activity.Kind.RECEPTION)}
    for duty in DutyAssignment.objects.filter(delegate=delegate, attended=True):
        day = duty.reception_day
        if day.status == ReceptionDay.Status.HELD and day.date.year == year:
            months.add(day.date.month)
    quarters = {(a.date.month + 2) // 3 for a in activities.filter(kind=Activity.Kind.CONSTITUENCY)}
    held = [s for s in Suggestion.objects.filter(delegate=delegate) if s.state != State.MERGED]

    def local_year(moment):
        from django.utils import timezone

        return moment is not None and timezone.localtime(moment).year == year

    taken = [s for s in held if local_year(s.accepted_at)]
    return {
        M.VISITS: activities.filter(kind=Activity.Kind.VISIT).count(),
        M.CONSTITUENCY_RETURNS: activities.filter(kind=Activity.Kind.CONSTITUENCY).count(),
        M.STATION_MONTHS: len(months),
        M.CONSTITUENCY_QUARTERS: len(quarters),
        M.SUGGESTIONS: len(taken),
        M.ISSUES_REFLECTED: sum(1 for s in taken if s.outcome == Outcome.DISPATCHED),
        M.PROBLEMS_SOLVED: sum(
            1
            for s in held
            if local_year(s.replied_at)
            and s.state in (State.REPLIED, State.CLOSED)
            and s.outcome in (Outcome.ON_SPOT, Outcome.DISPATCHED)
        ),
        M.FIXED_CONTACTS: FixedContact.objects.filter(delegate=delegate, since__year__lte=year)
        .filter(Q(until__isnull=True) | Q(until__year__gte=year))
        .count(),
        M.REPORTS: AnnualReport.objects.filter(delegate=delegate, year=year).count(),
    }


def test_the_performance_list_matches_an_independent_count_from_the_database(
    delegate, other_delegate, station, station_staff_user, delegate_user, category, frozen
):
    import random

    rng = random.Random(5)
    people = [delegate, other_delegate] + [DelegateFactory() for _ in range(6)]
    kinds = [Activity.Kind.VISIT, Activity.Kind.RECEPTION, Activity.Kind.CONSTITUENCY]
    for _ in range(60):
        ActivityFactory(
            kind=rng.choice(kinds),
            date=datetime.date(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28)),
            participants=rng.sample(people, rng.randint(1, 3)),
        )
    for month in range(1, 7):
        day = ReceptionDayFactory(station=station, date=datetime.date(2026, month, 10))
        reception_day_set_duty(day=day, delegates=[delegate, other_delegate])
        reception_day_log(
            day=day,
            actor=station_staff_user,
            visitors=3,
            attended=[delegate] if month % 2 else [delegate, other_delegate],
        )
    for number in range(4):
        s = loop.suggestion_submit(
            title=f"问题{number}", content="内容", category=category, station=station
        )
        s = loop.suggestion_accept(suggestion=s, actor=delegate_user)
        if number % 2:
            loop.suggestion_handle_on_spot(suggestion=s, actor=delegate_user, result="已解决")
    FixedContact.objects.create(delegate=delegate, name="王大妈", since=datetime.date(2025, 1, 1))

    for year in (2025, 2026):
        rows = performance_for(Delegate.objects.order_by("pk"), year)
        assert len(rows) == Delegate.objects.count()
        for row in rows:
            expected = _independent_counts(row.delegate, year)
            got = {item.code: item.count for item in row.items}
            assert got == expected, row.delegate.name
