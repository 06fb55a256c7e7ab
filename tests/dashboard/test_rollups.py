"""Every dashboard figure equals an independent count over the database, for the same period
and scope: the rollups kept in the loop's transactions never drift from the tables."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from congress_portal.clock import frozen_at
from dashboard import rollups
from dashboard.models import COUNTERS, GAUGES, AreaRollup, SuggestionFigures, SuggestionRollup
from dashboard.periods import Period
from dashboard.rollups import REPLY_VERBS
from dashboard.scopes import scope_for
from dashboard.selectors import FIELDS, Figures, dashboard_for
from stations.models import ReceptionDay, Region
from suggestions import services
from suggestions.models import WITH_UNIT_STATES, Rating, State, Suggestion, SuggestionEvent, Verb

from .conftest import TODAY

PERIODS = [
    Period("month", datetime.date(2026, 1, 1), datetime.date(2026, 1, 1)),
    Period("month", datetime.date(2026, 2, 1), datetime.date(2026, 2, 1)),
    Period("custom", datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)),
    Period("quarter", datetime.date(2026, 1, 1), datetime.date(2026, 3, 1)),
    Period("year", datetime.date(2026, 1, 1), datetime.date(2026, 12, 1)),
    Period("month", datetime.date(2025, 12, 1), datetime.date(2025, 12, 1)),
]


def local(moment) -> datetime.date:
    return timezone.localdate(moment)


def fresh_figures(suggestions) -> dict[str, int]:
    """Count straight from suggestions, events and ratings, without the rollups."""
    suggestions = list(suggestions)
    ids = [s.pk for s in suggestions]
    by_id = {s.pk: s for s in suggestions}
    result = dict.fromkeys(FIELDS, 0)
    result["received"] = len(suggestions)
    states = Counter(s.state for s in suggestions)
    for state, name in GAUGES.items():
        result[name] = states[state]
    result["reopened"] = sum(1 for s in suggestions if s.reopen_count > 0)
    # 附议: the supports counter is the suggestions' supporter counts (merges move them).
    result["supports"] = sum(s.supporter_count for s in suggestions)
    result["now_overdue"] = sum(
        1 for s in suggestions if s.state in WITH_UNIT_STATES and s.deadline < TODAY.date()
    )
    last_dispatch = {}
    for event in SuggestionEvent.objects.filter(suggestion_id__in=ids).order_by(
        "suggestion_id", "created_at", "id"
    ):
        s = by_id[event.suggestion_id]
        if event.verb == Verb.DISPATCH:
            last_dispatch[s.pk] = event.created_at
        if event.verb in REPLY_VERBS:
            result["replies"] += 1
            result["reply_days"] += (local(event.created_at) - local(s.submitted_at)).days
        if event.verb == Verb.UNIT_REPLY:
            result["unit_replies"] += 1
            result["unit_on_time"] += int(event.data["on_time"])
            result["unit_days"] += (local(event.created_at) - local(last_dispatch[s.pk])).days
    for value, n in Counter(
        Rating.objects.filter(suggestion_id__in=ids).values_list("value", flat=True)
    ).items():
        result[f"rated_{value}"] = n
    return result


def in_period(qs, period):
    return qs.filter(submitted_at__date__gte=period.start, submitted_at__date__lte=period.end)


def scoped(qs, scope):
    stations = scope.stations()
    if stations is not None:
        qs = qs.filter(station__in=stations)
    if scope.unit_ids is not None:
        qs = qs.filter(handling_unit_id__in=scope.unit_ids)
    return qs


def scopes(d):
    return {
        "office, whole district": scope_for(d.office),
        "office, first street": scope_for(d.office, region=str(d.street1.pk)),
        "office, second street": scope_for(d.office, region=str(d.street2.pk)),
        "office, station C": scope_for(d.office, station=str(d.c.pk)),
        "staff of A": scope_for(d.staff_a),
        "staff of C": scope_for(d.staff_c),
        "delegate of A and B": scope_for(d.delegate_ab.user),
        "delegate of A and B, station B": scope_for(d.delegate_ab.user, station=str(d.b.pk)),
        "unit 1": scope_for(d.unit1_user),
        "unit 2": scope_for(d.unit2_user),
    }


def assert_figures(figures: Figures, qs, where):
    expected = fresh_figures(qs)
    assert figures.values == expected, where


@pytest.mark.django_db
def test_every_figure_equals_a_fresh_count_across_periods_and_scopes(district, today_frozen):
    d = district
    assert Suggestion.objects.filter(reopen_count__gt=0).exists()
    assert Suggestion.objects.filter(state=State.MERGED).exists()
    checked = 0
    for name, scope in scopes(d).items():
        for period in PERIODS:
            where = f"{name}, {period.first_month:%Y-%m}..{period.last_month:%Y-%m}"
            board = dashboard_for(scope, period)
            base = scoped(in_period(Suggestion.objects.all(), period), scope)
            assert_figures(board.totals, base, where)
            if base.exists():
                checked += 1
            # Breakdowns, each against its own fresh count.
            for item in board.by_category:
                assert_figures(item.figures, base.filter(category_id=item.key), where)
            for item in board.by_station:
                assert_figures(item.figures, base.filter(station_id=item.key), where)
                assert (
                    item.overdue
                    == base.filter(
                        station_id=item.key, state__in=WITH_UNIT_STATES, deadline__lt=TODAY.date()
                    ).count()
                )
            for item in board.by_area:
                area = Region.objects.get(pk=item.key)
                in_area = base.filter(station__region__path__startswith=area.path)
                assert_figures(item.figures, in_area, f"{where}, area {area.name}")
                assert (
                    item.overdue
                    == in_area.filter(state__in=WITH_UNIT_STATES, deadline__lt=TODAY.date()).count()
                )
            for item in board.by_unit:
                assert_figures(item.figures, base.filter(handling_unit_id=item.key), where)
            for item in board.by_channel:
                assert_figures(item.figures, base.filter(channel=item.key), where)
            assert {i.key for i in board.by_category} == set(
                base.values_list("category_id", flat=True)
            )
            assert {i.key for i in board.by_unit} == set(
                base.exclude(handling_unit=None).values_list("handling_unit_id", flat=True)
            )
            # Months of the trend.
            for item in board.by_month:
                month_qs = scoped(Suggestion.objects.filter(submitted_month=item.key), scope)
                assert_figures(item.figures, month_qs, f"{where}, trend {item.key}")
            # Live: overdue today, and residents received at reception days.
            overdue = base.filter(state__in=WITH_UNIT_STATES, deadline__lt=TODAY.date())
            assert board.overdue == overdue.count(), where
            assert {s.pk for s in board.overdue_list} == set(overdue.values_list("pk", flat=True))
            if scope.is_units:
                assert board.visitors is None
            else:
                days = ReceptionDay.objects.filter(
                    status="held", date__gte=period.start, date__lte=period.end
                )
                if scope.stations() is not None:
                    days = days.filter(station__in=scope.stations())
                assert board.visitors == sum(day.visitors for day in days), where
    assert checked >= 20


@pytest.mark.django_db
def test_the_district_exercises_every_figure(district, today_frozen):
    """A guard on the test above: the data must move every counter and every gauge."""
    totals = dashboard_for(scope_for(district.office), PERIODS[4]).totals
    for name in FIELDS:
        if name in ("reply_days", "unit_days"):
            continue
        assert totals.values[name] > 0, name
    assert dashboard_for(scope_for(district.office), PERIODS[4]).overdue > 0


def snapshot():
    rows = {}
    for model, keys in (
        (SuggestionRollup, ("month", "station_id", "category_id", "channel", "unit_key")),
        (AreaRollup, ("area_id", "dimension", "month", "key")),
    ):
        for row in model.objects.values(*keys, *FIELDS):
            values = {k: v for k, v in row.items() if k in FIELDS and v}
            if values:
                rows[(model.__name__, *(row[k] for k in keys))] = values
    figures = {
        f["suggestion_id"]: f
        for f in SuggestionFigures.objects.values("suggestion_id", "unit_key", "state", *COUNTERS)
    }
    return rows, figures


@pytest.mark.django_db
def test_rebuild_from_events_gives_the_figures_kept_in_the_loop(district, today_frozen):
    kept = snapshot()
    # Break the figures the way a bad deploy would, then repair them.
    SuggestionRollup.objects.update(received=999, now_closed=0)
    AreaRollup.objects.filter(dimension="category").delete()
    SuggestionFigures.objects.filter(pk=district.suggestions[0].pk).delete()

    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)

    assert snapshot() == kept
    assert f"{len(district.suggestions)}" in out.getvalue()


@pytest.mark.django_db
def test_moving_to_another_unit_takes_the_suggestions_figures_along(district, today_frozen):
    """Reopened January suggestion: rated, reopened and dispatched to unit 2 — all of its
    counters now count for unit 2, none stays behind at unit 1."""
    d = district
    january = Period("month", datetime.date(2026, 1, 1), datetime.date(2026, 1, 1))
    reopened = Suggestion.objects.get(submitted_month=january.first_month, reopen_count=1)
    assert reopened.handling_unit == d.unit2
    unit1 = dashboard_for(scope_for(d.unit1_user), january).totals
    unit2 = dashboard_for(scope_for(d.unit2_user), january).totals
    assert unit1.values == fresh_figures(
        in_period(Suggestion.objects.filter(handling_unit=d.unit1), january)
    )
    assert unit2.reopened == 1
    assert unit2.rated_unsatisfied >= 1


@pytest.mark.django_db
def test_annotations_move_no_figure(district, today_frozen):
    from suggestions import services

    before = snapshot()[0]
    s = Suggestion.objects.filter(state=State.IN_PROGRESS).first()
    with frozen_at(TODAY):
        services.suggestion_urge(suggestion=s, actor=district.office, note="请加快办理。")
    assert snapshot()[0] == before


@pytest.mark.django_db
def test_the_check_finds_the_kept_figures_equal_to_a_fresh_computation(district, today_frozen):
    result = rollups.check()

    assert result.ok, result
    assert result.suggestions == len(district.suggestions)


@pytest.mark.django_db
def test_the_check_names_a_suggestion_whose_figures_drifted(district, today_frozen):
    victim = district.suggestions[0]
    SuggestionFigures.objects.filter(pk=victim.pk).update(replies=7)

    result = rollups.check()

    assert not result.ok
    assert result.figures == [victim.pk]


@pytest.mark.django_db
def test_the_check_names_a_rollup_row_that_drifted(district, today_frozen):
    row = SuggestionRollup.objects.filter(received__gt=0).order_by("pk").first()
    SuggestionRollup.objects.filter(pk=row.pk).update(now_closed=row.now_closed + 1)

    result = rollups.check()

    assert result.figures == []
    assert result.rows == [(row.month, row.station_id, row.category_id, row.channel, row.unit_key)]


@pytest.mark.django_db
def test_the_check_names_an_area_row_that_drifted(district, today_frozen):
    area_row = AreaRollup.objects.filter(dimension="channel").order_by("pk").first()
    AreaRollup.objects.filter(pk=area_row.pk).update(received=area_row.received + 1)

    result = rollups.check()

    assert (result.figures, result.rows) == ([], [])
    assert result.area_rows == [
        (area_row.area_id, area_row.dimension, area_row.month, area_row.key)
    ]


@pytest.mark.django_db
def test_every_area_above_the_grassroots_keeps_its_figures(district, today_frozen):
    d = district
    area_ids = set(AreaRollup.objects.values_list("area_id", flat=True))
    community = Region.objects.get(kind=Region.Kind.COMMUNITY)

    assert area_ids == {d.district.pk, d.street1.pk, d.street2.pk}
    assert community.pk not in area_ids


@pytest.mark.django_db
def test_the_check_command_says_whether_the_figures_agree(district, today_frozen):
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("rebuild_rollups", "--check", stdout=out)
    assert str(len(district.suggestions)) in out.getvalue()

    AreaRollup.objects.filter(dimension="all").update(received=0)
    with pytest.raises(CommandError, match="rebuild_rollups"):
        call_command("rebuild_rollups", "--check", stdout=out)


@pytest.mark.django_db
def test_the_calendar_makes_a_suggestion_overdue_at_the_next_refresh(district, today_frozen):
    d = district
    period = Period("month", datetime.date(2026, 4, 1), datetime.date(2026, 4, 1))
    with frozen_at(datetime.datetime(2026, 4, 1, 9, 0)):
        s = services.suggestion_submit(
            title="路灯不亮", content="三号楼前的路灯坏了。", category=d.cat1, station=d.a
        )
        s = services.suggestion_accept(suggestion=s, actor=d.delegate_ab.user)
        s = services.suggestion_dispatch(
            suggestion=s, actor=d.delegate_ab.user, unit=d.unit1, workdays=3
        )
    scope = scope_for(d.office)
    assert s.deadline < TODAY.date()
    assert dashboard_for(scope, period).overdue == 0  # nothing has run since the deadline

    with frozen_at(TODAY):
        assert rollups.refresh_overdue() == 1
        assert rollups.refresh_overdue() == 0  # counted once
    assert dashboard_for(scope, period).overdue == 1
    assert rollups.check().ok

    with frozen_at(TODAY):
        services.suggestion_acknowledge(suggestion=s, actor=d.unit1_user)
        services.suggestion_unit_reply(suggestion=s, actor=d.unit1_user, text="已修好。")
    assert dashboard_for(scope, period).overdue == 0  # answered: no longer overdue


@pytest.mark.django_db
def test_a_corrected_reception_log_replaces_its_count(district, today_frozen):
    from dashboard.models import ReceptionRollup
    from stations import services as station_services

    d = district
    march = Period("month", datetime.date(2026, 3, 1), datetime.date(2026, 3, 1))
    scope = scope_for(d.office)
    assert dashboard_for(scope, march).visitors == 13

    with frozen_at(TODAY):
        station_services.reception_day_log(
            day=d.reception_days[2], actor=d.staff_a, visitors=30, attended=[]
        )

    assert dashboard_for(scope, march).visitors == 30
    assert (
        ReceptionRollup.objects.get(kind="station", node=d.a.pk, month="2026-03-01").days_held == 1
    )
    assert rollups.check().ok
