"""Writes of the stations app: reception days from their rule, and their log."""

import calendar
import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from congress_portal.clock import now

from .models import DutyAssignment, ReceptionDay, ReceptionRule
from .workdays import WorkCalendar


def reception_rule_dates(
    rule: ReceptionRule, start: datetime.date, end: datetime.date, work: WorkCalendar
) -> list[datetime.date]:
    """The reception dates a rule gives between ``start`` and ``end`` inclusive.

    "顺延": a date falling on a weekend or holiday moves to the next working day on the
    official calendar (make-up working days count as working).
    """
    candidates: list[datetime.date] = []
    if rule.kind == ReceptionRule.Kind.MONTHLY:
        year, month = start.year, start.month
        while (year, month) <= (end.year, end.month):
            last = calendar.monthrange(year, month)[1]
            candidates.append(datetime.date(year, month, min(rule.day_of_month, last)))
            month += 1
            if month > 12:
                year, month = year + 1, 1
    elif rule.kind == ReceptionRule.Kind.WEEKLY:
        day = start + datetime.timedelta(days=(rule.weekday - start.weekday()) % 7)
        while day <= end:
            candidates.append(day)
            day += datetime.timedelta(days=7)
    else:
        for value in rule.explicit_dates:
            candidates.append(datetime.date.fromisoformat(value))
    dates = []
    for day in candidates:
        if rule.postpone_on_holiday:
            day = work.next_workday(day)
        if start <= day <= end and day not in dates:
            dates.append(day)
    return sorted(dates)


@transaction.atomic
def reception_days_generate(
    *, rule: ReceptionRule, start: datetime.date, end: datetime.date
) -> list[ReceptionDay]:
    """Create the rule's reception days in the period; days that exist are left as they are."""
    if end < start:
        raise ValidationError(gettext("The period ends before it starts."))
    if (end - start).days > 400:
        raise ValidationError(gettext("Generate at most a year of reception days at a time."))
    work = WorkCalendar()
    existing = set(
        rule.station.reception_days.filter(date__range=(start, end)).values_list("date", flat=True)
    )
    created = []
    for day in reception_rule_dates(rule, start, end, work):
        if day in existing:
            continue
        created.append(
            ReceptionDay.objects.create(
                station=rule.station,
                rule=rule,
                date=day,
                start_time=rule.start_time,
                end_time=rule.end_time,
            )
        )
    return created


@transaction.atomic
def reception_day_set_duty(
    *, day: ReceptionDay, delegates: Iterable, leader_name: str = "", theme: str = ""
) -> ReceptionDay:
    """Set the duty delegates, the leader in charge and the theme of a reception day."""
    day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    wanted = {delegate.pk: delegate for delegate in delegates}
    day.duties.exclude(delegate_id__in=wanted).delete()
    have = set(day.duties.values_list("delegate_id", flat=True))
    for pk, delegate in wanted.items():
        if pk not in have:
            DutyAssignment.objects.create(reception_day=day, delegate=delegate)
    day.leader_name = leader_name.strip()
    day.theme = theme.strip()
    day.version += 1
    day.full_clean()
    day.save(update_fields=["leader_name", "theme", "version"])
    return day


@transaction.atomic
def reception_day_log(
    *, day: ReceptionDay, actor, visitors: int, attended: Iterable, notes: str = ""
) -> ReceptionDay:
    """Record what happened at a reception day: who of the duty delegates came, how many
    residents. Issues raised are entered as suggestions with channel reception_day."""
    day = ReceptionDay.objects.select_for_update().get(pk=day.pk)
    if day.status == ReceptionDay.Status.CANCELLED:
        raise ValidationError(gettext("A cancelled reception day cannot be logged."))
    if visitors < 0:
        raise ValidationError({"visitors": gettext("The number of residents cannot be negative.")})
    came = {delegate.pk for delegate in attended}
    for duty in day.duties.all():
        duty.attended = duty.delegate_id in came
        duty.save(update_fields=["attended"])
    day.visitors = visitors
    day.log_notes = notes.strip()
    day.status = ReceptionDay.Status.HELD
    day.logged_at = now()
    day.logged_by = actor
    day.version += 1
    day.full_clean()
    day.save(update_fields=["visitors", "log_notes", "status", "logged_at", "logged_by", "version"])
    return day
