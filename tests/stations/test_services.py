import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from congress_portal.clock import frozen_at
from stations import services
from stations.models import CalendarDay, CalendarYear, ReceptionDay, ReceptionRule
from stations.selectors import duty_rotation, duty_rotation_table, station_figures
from stations.services import reception_days_generate
from stations.workdays import WorkCalendar
from suggestions.models import Channel, Suggestion
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db


def test_monthly_on_the_10th_postponed_gives_the_official_2026_days():
    rule = ReceptionRule.objects.create(
        station=StationFactory(),
        kind=ReceptionRule.Kind.MONTHLY,
        day_of_month=10,
        postpone_on_holiday=True,
    )
    days = reception_days_generate(
        rule=rule, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31)
    )
    assert [d.date.strftime("%m-%d") for d in days] == [
        "01-12",
        "02-10",
        "03-10",
        "04-10",
        "05-11",
        "06-10",
        "07-10",
        "08-10",
        "09-10",
        "10-10",
        "11-10",
        "12-10",
    ]


def test_generating_twice_creates_no_duplicates():
    rule = ReceptionRule.objects.create(
        station=StationFactory(), kind=ReceptionRule.Kind.WEEKLY, weekday=1
    )
    period = dict(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    assert len(reception_days_generate(rule=rule, **period)) == 5
    assert reception_days_generate(rule=rule, **period) == []


def test_a_year_the_package_does_not_know_is_provisional_until_the_office_enters_it():
    work = WorkCalendar()
    assert work.is_provisional(2027)
    CalendarYear.objects.create(year=2027, is_official=True)
    CalendarDay.objects.create(date=datetime.date(2027, 2, 8), is_workday=False, name="春节")
    fresh = WorkCalendar()
    assert not fresh.is_provisional(2027)
    assert not fresh.is_workday(datetime.date(2027, 2, 8))  # a Monday, off by override


# --- rules, days, duty, log: the services behind the staff pages ------------------------------

JAN_1 = datetime.datetime(2026, 1, 1, 9)


def _year(rule, actor=None):
    return services.reception_days_generate(
        rule=rule, start=datetime.date(2026, 1, 1), end=datetime.date(2026, 12, 31), actor=actor
    )


def test_station_staff_create_a_rule_for_their_station_and_the_office_hears_of_it(
    station, station_staff_user
):
    rule = services.reception_rule_create(
        station=station,
        actor=station_staff_user,
        kind=ReceptionRule.Kind.WEEKLY,
        weekday=1,
        day_of_month=10,  # ignored for a weekly rule
        postpone_on_holiday=False,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        duty_delegates=2,
    )

    assert (rule.weekday, rule.day_of_month) == (1, None)
    assert AuditEvent.objects.filter(
        action="reception_rule_create", object_id=str(rule.pk), actor=station_staff_user
    ).exists()


def test_staff_of_another_station_and_delegates_cannot_touch_a_stations_rules(
    station, other_staff_user, delegate_user, monthly_rule
):
    for actor in (other_staff_user, delegate_user):
        with pytest.raises(services.NotAllowed):
            services.reception_rule_create(
                station=station,
                actor=actor,
                kind=ReceptionRule.Kind.MONTHLY,
                day_of_month=10,
                start_time=datetime.time(9),
                end_time=datetime.time(12),
            )
        with pytest.raises(services.NotAllowed):
            services.reception_rule_delete(rule=monthly_rule, actor=actor)
    assert ReceptionRule.objects.filter(pk=monthly_rule.pk).exists()


def test_staff_of_a_home_manage_the_stations_nested_under_it(station_staff_user, station):
    contact_point = StationFactory(parent=station)

    rule = services.reception_rule_create(
        station=contact_point,
        actor=station_staff_user,
        kind=ReceptionRule.Kind.EXPLICIT,
        explicit_dates=["2026-03-10", "2026-03-10", "2026-01-05"],
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )

    assert rule.explicit_dates == ["2026-01-05", "2026-03-10"]


def test_a_rule_that_ends_before_it_starts_is_refused_with_a_field_error(
    station, station_staff_user
):
    with pytest.raises(ValidationError) as error:
        services.reception_rule_create(
            station=station,
            actor=station_staff_user,
            kind=ReceptionRule.Kind.MONTHLY,
            day_of_month=10,
            start_time=datetime.time(12),
            end_time=datetime.time(9),
        )
    assert "end_time" in error.value.message_dict


def test_generating_again_keeps_edited_and_moved_days_and_adds_nothing(
    monthly_rule, station_staff_user
):
    days = _year(monthly_rule, actor=station_staff_user)
    march = next(d for d in days if d.date == datetime.date(2026, 3, 10))
    services.reception_day_update(
        day=march,
        actor=station_staff_user,
        date=datetime.date(2026, 3, 12),
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        theme="环境卫生",
    )

    assert _year(monthly_rule, actor=station_staff_user) == []
    march = ReceptionDay.objects.get(pk=march.pk)
    assert (march.date, march.theme, march.start_time) == (
        datetime.date(2026, 3, 12),
        "环境卫生",
        datetime.time(14),
    )
    assert not ReceptionDay.objects.filter(date=datetime.date(2026, 3, 10)).exists()


def test_after_changing_the_rule_untouched_days_are_replaced_and_staffed_ones_kept(
    monthly_rule, station_staff_user, stationed
):
    days = _year(monthly_rule)
    services.reception_day_set_duty(
        day=days[5], delegates=stationed[:2], leader_name="王主任", actor=station_staff_user
    )  # June is staffed
    services.reception_rule_update(rule=monthly_rule, actor=station_staff_user, day_of_month=15)

    services.reception_days_generate(
        rule=monthly_rule,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 12, 31),
        actor=station_staff_user,
        replace_untouched=True,
    )

    dates = set(monthly_rule.station.reception_days.values_list("date", flat=True))
    assert datetime.date(2026, 6, 10) in dates  # staffed: kept
    assert datetime.date(2026, 4, 10) not in dates  # untouched: replaced
    assert datetime.date(2026, 4, 15) in dates


def test_a_day_edited_by_someone_else_meanwhile_is_not_overwritten(
    monthly_rule, station_staff_user
):
    day = _year(monthly_rule)[0]
    seen_version = day.version
    services.reception_day_update(
        day=day,
        actor=station_staff_user,
        date=day.date,
        start_time=day.start_time,
        end_time=day.end_time,
        theme="产业发展",
    )

    with pytest.raises(ValidationError):
        services.reception_day_update(
            day=day,
            actor=station_staff_user,
            date=day.date,
            start_time=day.start_time,
            end_time=day.end_time,
            theme="道路交通",
            expected_version=seen_version,
        )
    assert ReceptionDay.objects.get(pk=day.pk).theme == "产业发展"


def test_cancelling_needs_a_reason_and_is_audited(monthly_rule, station_staff_user):
    day = _year(monthly_rule)[0]
    with pytest.raises(ValidationError):
        services.reception_day_cancel(day=day, actor=station_staff_user, reason="  ")

    services.reception_day_cancel(day=day, actor=station_staff_user, reason="暴雨红色预警")

    day.refresh_from_db()
    assert (day.status, day.cancel_reason) == (ReceptionDay.Status.CANCELLED, "暴雨红色预警")
    assert AuditEvent.objects.filter(action="reception_day_cancel", object_id=str(day.pk)).exists()
    with pytest.raises(ValidationError):
        services.reception_day_cancel(day=day, actor=station_staff_user, reason="again")


def test_only_delegates_stationed_at_the_station_can_be_on_duty(
    monthly_rule, station_staff_user, other_station
):
    from tests.delegates.factories import DelegateFactory

    outsider = DelegateFactory()
    outsider.stations.add(other_station)
    day = _year(monthly_rule)[0]

    with pytest.raises(ValidationError):
        services.reception_day_set_duty(day=day, delegates=[outsider], actor=station_staff_user)
    assert not day.duties.exists()


def test_the_rotation_gives_everyone_the_same_number_of_duties_in_turn(
    monthly_rule, station_staff_user, stationed
):
    a, b, c, d = stationed
    rosters = []
    for day in _year(monthly_rule):
        day = services.reception_day_accept_rotation(day=day, actor=station_staff_user)
        rosters.append({duty.delegate for duty in day.duties.all()})

    # Stable order by name first, then whoever waited longest.
    assert rosters[:4] == [{a, b}, {c, d}, {a, b}, {c, d}]
    counts = {delegate: sum(delegate in roster for roster in rosters) for delegate in stationed}
    assert set(counts.values()) == {6}


def test_the_rotation_puts_those_with_fewest_duties_first_then_the_longest_waiting(
    monthly_rule, station_staff_user, stationed
):
    a, b, c, d = stationed
    jan, feb, mar, apr = _year(monthly_rule)[:4]
    services.reception_day_set_duty(day=jan, delegates=[a, c], actor=station_staff_user)
    services.reception_day_set_duty(day=feb, delegates=[a, b], actor=station_staff_user)

    # Before March: d has none, b and c one each (c longer ago), a two.
    table = duty_rotation_table(day=mar)
    assert [row.delegate for row in table] == [d, c, b, a]
    assert duty_rotation(day=mar) == [d, c]
    # A cancelled day does not count as a duty.
    services.reception_day_set_duty(day=mar, delegates=[d, c], actor=station_staff_user)
    services.reception_day_cancel(day=mar, actor=station_staff_user, reason="台风")
    assert duty_rotation(day=apr) == [d, c]


def test_a_logged_day_with_three_issues_puts_three_suggestions_in_the_loop(
    monthly_rule, station, station_staff_user, stationed, category
):
    a, b, *_ = stationed
    day = _year(monthly_rule)[2]  # 2026-03-10
    services.reception_day_set_duty(day=day, delegates=[a, b], actor=station_staff_user)
    issues = [
        dict(title=f"问题{n}", content=f"群众反映的问题{n}", category=category) for n in range(3)
    ]
    issues[0].update(submitter_name="王大妈", submitter_phone="13800138000")
    with frozen_at(datetime.datetime(2026, 3, 10, 12)):
        before = station_figures(station=station)
        key = uuid.uuid4()
        services.reception_day_log(
            day=day,
            actor=station_staff_user,
            visitors=12,
            attended=[a],
            notes="接待群众来访",
            issues=issues,
            submission_key=key,
        )
        # The same form posted twice: nothing doubles.
        services.reception_day_log(
            day=day,
            actor=station_staff_user,
            visitors=12,
            attended=[a],
            issues=issues,
            submission_key=key,
        )
        after = station_figures(station=station)

    suggestions = Suggestion.objects.filter(reception_day=day)
    assert suggestions.count() == 3
    assert set(suggestions.values_list("channel", flat=True)) == {Channel.RECEPTION_DAY}
    assert set(suggestions.values_list("station", flat=True)) == {station.pk}
    assert after["received"] == before["received"] + 3
    assert after["in_progress"] == before["in_progress"] + 3
    assert after["visitors"] == before["visitors"] + 12
    day.refresh_from_db()
    assert day.status == ReceptionDay.Status.HELD
    assert {(d.delegate_id, d.attended) for d in day.duties.all()} == {(a.pk, True), (b.pk, False)}


def test_a_log_with_a_bad_issue_saves_nothing(monthly_rule, station_staff_user, category):
    day = _year(monthly_rule)[0]
    issues = [
        dict(title="好的问题", content="内容", category=category),
        dict(title="", content="", category=category),
    ]
    with frozen_at(datetime.datetime(2026, 1, 12, 12)), pytest.raises(ValidationError):
        services.reception_day_log(
            day=day, actor=station_staff_user, visitors=3, attended=[], issues=issues
        )
    day.refresh_from_db()
    assert day.logged_at is None
    assert not Suggestion.objects.exists()


def test_a_day_cannot_be_logged_before_it_happens(monthly_rule, station_staff_user):
    day = _year(monthly_rule)[5]
    with frozen_at(JAN_1), pytest.raises(ValidationError):
        services.reception_day_log(day=day, actor=station_staff_user, visitors=3, attended=[])
