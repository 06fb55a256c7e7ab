"""Writes of the stations app: reception rules, the days they give, duty rosters and the log.

Every function checks the actor's right itself (office: every station; station staff: their
stations and those nested under them). ``actor=None`` is the system (the demo-data command,
management commands), which is trusted; views always pass the logged-in user.
"""

import calendar
import datetime
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext

from accounts.models import Role
from accounts.services import audit_record
from congress_portal import events
from congress_portal.clock import now, today

from .events import RECEPTION_DAY_LOGGED
from .models import CalendarDay, CalendarYear, DutyAssignment, ReceptionDay, ReceptionRule, Station
from .workdays import WorkCalendar

MAX_PERIOD_DAYS = 400
MAX_EXPLICIT_DATES = 60


class NotAllowed(PermissionDenied):
    """The actor may not manage this station. Carries a translated message."""


def can_manage_station(actor, station: Station) -> bool:
    """Office: every station; station staff: their stations and those nested below them."""
    if actor is None:
        return True
    if not actor.is_active:
        return False
    if actor.is_office:
        return True
    if actor.role == Role.STATION_STAFF:
        from suggestions.selectors import station_ids_in_scope

        return station.pk in station_ids_in_scope(actor)
    return False


def _require_manager(actor, station: Station) -> None:
    if not can_manage_station(actor, station):
        raise NotAllowed(gettext("You do not manage this station."))


def _lock_day(day: ReceptionDay, expected_version: int | None = None) -> ReceptionDay:
    locked = ReceptionDay.objects.select_for_update().select_related("station").get(pk=day.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            gettext(
                "Someone else changed this reception day while you were editing it. "
                "Reload the page to see their changes, then make yours again."
            ),
            code="conflict",
        )
    return locked


def _audit(action: str, *, actor, obj, detail: dict | None = None) -> None:
    if actor is not None:
        audit_record(action=action, actor=actor, obj=obj, detail=detail)


# --- rules ------------------------------------------------------------------------------------


def reception_rule_dates(
    rule: ReceptionRule, start: datetime.date, end: datetime.date, work: WorkCalendar
) -> list[datetime.date]:
    """The reception dates a rule gives between ``start`` and ``end`` inclusive.

    "顺延": a date falling on a weekend or holiday moves to the next working day on the
    official calendar (make-up working days count as working).
    """
    return [day for day, _given in reception_rule_pairs(rule, start, end, work)]


def reception_rule_pairs(
    rule: ReceptionRule, start: datetime.date, end: datetime.date, work: WorkCalendar
) -> list[tuple[datetime.date, datetime.date]]:
    """(reception date, date the rule named before 顺延) pairs in the period, by date."""
    candidates: list[datetime.date] = []
    if rule.kind == ReceptionRule.Kind.MONTHLY:
        # Start a month early: the 31st of last month can be postponed into the period.
        year, month = (start.year, start.month - 1) if start.month > 1 else (start.year - 1, 12)
        while (year, month) <= (end.year, end.month):
            last = calendar.monthrange(year, month)[1]
            candidates.append(datetime.date(year, month, min(rule.day_of_month, last)))
            month += 1
            if month > 12:
                year, month = year + 1, 1
    elif rule.kind == ReceptionRule.Kind.WEEKLY:
        first = start - datetime.timedelta(days=14)
        day = first + datetime.timedelta(days=(rule.weekday - first.weekday()) % 7)
        while day <= end:
            candidates.append(day)
            day += datetime.timedelta(days=7)
    else:
        for value in rule.explicit_dates:
            candidates.append(datetime.date.fromisoformat(value))
    pairs: dict[datetime.date, datetime.date] = {}
    for given in candidates:
        day = work.next_workday(given) if rule.postpone_on_holiday else given
        if start <= day <= end and day not in pairs:
            pairs[day] = given
    return sorted(pairs.items())


def _clean_rule(rule: ReceptionRule) -> None:
    """Blank the fields the rule's kind does not use, then validate the whole row."""
    errors = {}
    if rule.kind == ReceptionRule.Kind.MONTHLY:
        rule.weekday, rule.explicit_dates = None, []
        if rule.day_of_month is None or not 1 <= rule.day_of_month <= 31:
            errors["day_of_month"] = gettext("Give a day of the month from 1 to 31.")
    elif rule.kind == ReceptionRule.Kind.WEEKLY:
        rule.day_of_month, rule.explicit_dates = None, []
        if rule.weekday is None:
            errors["weekday"] = gettext("Choose a weekday.")
    else:
        rule.day_of_month, rule.weekday = None, None
        dates = sorted({str(value) for value in rule.explicit_dates or []})
        if not dates:
            errors["explicit_dates"] = gettext("Give at least one date.")
        elif len(dates) > MAX_EXPLICIT_DATES:
            errors["explicit_dates"] = gettext("Give at most %(n)d dates.") % {
                "n": MAX_EXPLICIT_DATES
            }
        rule.explicit_dates = dates
    if rule.start_time and rule.end_time and rule.end_time <= rule.start_time:
        errors["end_time"] = gettext("The reception must end after it starts.")
    if rule.duty_delegates is not None and not 1 <= rule.duty_delegates <= 10:
        errors["duty_delegates"] = gettext("Between 1 and 10 delegates are on duty.")
    if errors:
        raise ValidationError(errors)
    rule.full_clean()


_RULE_FIELDS = (
    "kind",
    "day_of_month",
    "weekday",
    "explicit_dates",
    "postpone_on_holiday",
    "start_time",
    "end_time",
    "duty_delegates",
    "is_active",
)


@transaction.atomic
def reception_rule_create(*, station: Station, actor, **fields) -> ReceptionRule:
    """A new reception rule for ``station`` (monthly day N, weekly weekday or explicit dates)."""
    _require_manager(actor, station)
    unknown = set(fields) - set(_RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    rule = ReceptionRule(station=station, **fields)
    _clean_rule(rule)
    rule.save()
    _audit("reception_rule_create", actor=actor, obj=rule, detail={"station": station.pk})
    return rule


@transaction.atomic
def reception_rule_update(*, rule: ReceptionRule, actor, **fields) -> ReceptionRule:
    """Change a rule. Days it already gave stay as they are; generate again to add new ones."""
    rule = ReceptionRule.objects.select_for_update().select_related("station").get(pk=rule.pk)
    _require_manager(actor, rule.station)
    unknown = set(fields) - set(_RULE_FIELDS)
    if unknown:
        raise TypeError(f"unknown rule fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(rule, name, value)
    _clean_rule(rule)
    rule.save()
    _audit("reception_rule_update", actor=actor, obj=rule, detail={"station": rule.station_id})
    return rule


def _untouched_days(queryset):
    """Days nobody has edited, staffed, cancelled or logged since they were generated."""
    return queryset.filter(
        status=ReceptionDay.Status.SCHEDULED, version=1, logged_at__isnull=True
    ).exclude(suggestions__isnull=False)


@transaction.atomic
def reception_rule_delete(*, rule: ReceptionRule, actor, remove_upcoming: bool = False) -> int:
    """Delete a rule; with ``remove_upcoming`` also its upcoming days nobody has touched.

    Returns how many days were removed. Past, edited, staffed and logged days always stay.
    """
    rule = ReceptionRule.objects.select_for_update().select_related("station").get(pk=rule.pk)
    _require_manager(actor, rule.station)
    removed = 0
    if remove_upcoming:
        removed, _ = ReceptionDay.objects.filter(
            pk__in=_untouched_days(rule.days.filter(date__gte=today())).values("pk")
        ).delete()
    _audit(
        "reception_rule_delete",
        actor=actor,
        obj=rule,
        detail={"station": rule.station_id, "days_removed": removed},
    )
    rule.delete()
    return removed


@transaction.atomic
def reception_days_generate(
    *,
    rule: ReceptionRule,
    start: datetime.date,
    end: datetime.date,
    actor=None,
    replace_untouched: bool = False,
) -> list[ReceptionDay]:
    """Create the rule's reception days in the period. Idempotent: a date the station already
    has (or a day moved from it) is skipped, so edited and logged days are never overwritten.
    With ``replace_untouched``, the rule's days in the period that nobody has touched since they
    were generated are removed first (after the rule changed, e.g. from the 10th to the 15th).
    """
    # Read the rule as stored: the caller's copy may predate an update.
    rule = ReceptionRule.objects.select_for_update().select_related("station").get(pk=rule.pk)
    _require_manager(actor, rule.station)
    if end < start:
        raise ValidationError(gettext("The period ends before it starts."))
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationError(gettext("Generate at most a year of reception days at a time."))
    if replace_untouched:
        ReceptionDay.objects.filter(
            pk__in=_untouched_days(rule.days.filter(date__range=(start, end))).values("pk")
        ).delete()
    work = WorkCalendar()
    taken = set(
        rule.station.reception_days.filter(date__range=(start, end)).values_list("date", flat=True)
    )
    # Days of this rule that staff moved elsewhere: their rule date is not to be filled again.
    moved_from = set(
        rule.days.filter(rule_date__range=(start - datetime.timedelta(days=62), end)).values_list(
            "rule_date", flat=True
        )
    )
    created = []
    for day, given in reception_rule_pairs(rule, start, end, work):
        if day in taken or given in moved_from:
            continue
        reception_day = ReceptionDay(
            station=rule.station,
            rule=rule,
            date=day,
            rule_date=given,
            start_time=rule.start_time,
            end_time=rule.end_time,
        )
        reception_day.full_clean()
        reception_day.save()
        created.append(reception_day)
    if actor is not None:
        _audit(
            "reception_days_generate",
            actor=actor,
            obj=rule,
            detail={
                "station": rule.station_id,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "created": len(created),
            },
        )
    return created


# --- one day ----------------------------------------------------------------------------------


@transaction.atomic
def reception_day_update(
    *,
    day: ReceptionDay,
    actor,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    theme: str = "",
    announcement: str = "",
    leader_name: str = "",
    expected_version: int | None = None,
) -> ReceptionDay:
    """Move a scheduled day or change its hours, theme, announcement and leader."""
    day = _lock_day(day, expected_version)
    _require_manager(actor, day.station)
    if day.status != ReceptionDay.Status.SCHEDULED:
        raise ValidationError(
            gettext("Only a scheduled reception day can be edited; this one is %(status)s.")
            % {"status": day.get_status_display()}
        )
    if day.logged_at is not None:
        raise ValidationError(gettext("This reception day has been logged; correct its log."))
    if date != day.date and day.station.reception_days.filter(date=date).exists():
        raise ValidationError(
            {"date": gettext("The station already has a reception day on this date.")}
        )
    old_date = day.date
    day.date = date
    day.start_time = start_time
    day.end_time = end_time
    day.theme = theme.strip()
    day.announcement = announcement.strip()
    day.leader_name = leader_name.strip()
    if end_time <= start_time:
        raise ValidationError({"end_time": gettext("The reception must end after it starts.")})
    day.version += 1
    day.full_clean()
    day.save()
    if old_date != date:
        _audit(
            "reception_day_move",
            actor=actor,
            obj=day,
            detail={"from": old_date.isoformat(), "to": date.isoformat()},
        )
    return day


@transaction.atomic
def reception_day_cancel(
    *, day: ReceptionDay, actor, reason: str, expected_version: int | None = None
) -> ReceptionDay:
    """Cancel a scheduled day; the reason is shown to the public with the day."""
    day = _lock_day(day, expected_version)
    _require_manager(actor, day.station)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"cancel_reason": gettext("Say why the day is cancelled.")})
    if day.status != ReceptionDay.Status.SCHEDULED or day.logged_at is not None:
        raise ValidationError(gettext("Only a scheduled reception day can be cancelled."))
    day.status = ReceptionDay.Status.CANCELLED
    day.cancel_reason = reason
    day.version += 1
    day.full_clean()
    day.save(update_fields=["status", "cancel_reason", "version"])
    _audit("reception_day_cancel", actor=actor, obj=day, detail={"station": day.station_id})
    return day


# --- duty roster ------------------------------------------------------------------------------


@transaction.atomic
def reception_day_set_duty(
    *,
    day: ReceptionDay,
    delegates: Iterable,
    leader_name: str = "",
    theme: str | None = None,
    actor=None,
    expected_version: int | None = None,
) -> ReceptionDay:
    """Set the duty delegates (stationed at the day's station) and the leader in charge;
    ``theme`` too when given."""
    day = _lock_day(day, expected_version)
    _require_manager(actor, day.station)
    if day.status != ReceptionDay.Status.SCHEDULED:
        raise ValidationError(
            gettext("The duty roster of a cancelled or logged reception day cannot change.")
        )
    wanted = {delegate.pk: delegate for delegate in delegates}
    stationed = set(
        day.station.memberships.filter(delegate_id__in=wanted).values_list("delegate_id", flat=True)
    )
    if set(wanted) - stationed:
        raise ValidationError(
            {"delegates": gettext("Only delegates stationed at this station can be on duty.")}
        )
    day.duties.exclude(delegate_id__in=wanted).delete()
    have = set(day.duties.values_list("delegate_id", flat=True))
    for pk, delegate in wanted.items():
        if pk not in have:
            DutyAssignment.objects.create(reception_day=day, delegate=delegate)
    day.leader_name = leader_name.strip()
    fields = ["leader_name", "version"]
    if theme is not None:
        day.theme = theme.strip()
        fields.append("theme")
    day.version += 1
    day.full_clean()
    day.save(update_fields=fields)
    return day


def upcoming_duties(delegate) -> "models.QuerySet[DutyAssignment]":
    """A delegate's duty at reception days still to come (today's too, until it is logged)."""
    return DutyAssignment.objects.filter(
        delegate=delegate,
        reception_day__date__gte=today(),
        reception_day__status=ReceptionDay.Status.SCHEDULED,
    )


@transaction.atomic
def duty_assignments_end_upcoming(*, delegate, actor) -> int:
    """Take a delegate off every duty still to come (they no longer serve); past duties and
    their attendance stay. The days' versions move, so a roster open in an editor meanwhile
    is told it changed. Returns how many duties ended."""
    if actor is None or not actor.is_office:
        raise NotAllowed(gettext("Only the congress office can do this."))
    duties = upcoming_duties(delegate)
    day_ids = list(duties.values_list("reception_day_id", flat=True))
    if not day_ids:
        return 0
    # Locked as the roster's editor locks them, in id order.
    list(ReceptionDay.objects.select_for_update().filter(pk__in=day_ids).order_by("pk"))
    ended, _ = DutyAssignment.objects.filter(
        delegate=delegate, reception_day_id__in=day_ids
    ).delete()
    ReceptionDay.objects.filter(pk__in=day_ids).update(version=models.F("version") + 1)
    audit_record(
        action="duty.end_upcoming",
        actor=actor,
        obj=delegate,
        detail={"days": sorted(day_ids)},
    )
    return ended


@transaction.atomic
def reception_day_accept_rotation(
    *, day: ReceptionDay, actor, expected_version: int | None = None
) -> ReceptionDay:
    """Put the suggested fair rotation on duty (see ``selectors.duty_rotation``)."""
    from .selectors import duty_rotation

    locked = _lock_day(day, expected_version)
    _require_manager(actor, locked.station)
    suggestion = duty_rotation(day=locked)
    if not suggestion:
        raise ValidationError(gettext("No delegate is stationed at this station."))
    return reception_day_set_duty(
        day=locked, delegates=suggestion, leader_name=locked.leader_name, actor=actor
    )


# --- the log (接待记录) -----------------------------------------------------------------------


@transaction.atomic
def reception_day_log(
    *,
    day: ReceptionDay,
    actor,
    visitors: int,
    attended: Iterable,
    notes: str = "",
    issues: Iterable[dict] = (),
    submission_key: uuid.UUID | None = None,
    expected_version: int | None = None,
) -> ReceptionDay:
    """Record what happened at a reception day: who of the duty delegates came, how many
    residents, notes, and each issue raised, entered as a suggestion of the loop (channel
    reception day, linked to the day) in the same transaction.

    Each issue is a dict of ``suggestion_submit`` arguments (title, content, category,
    submitter_name, submitter_phone, consent_disclosure). With ``submission_key``, posting the
    same form twice creates each suggestion once. A day can be logged again to correct it.
    """
    from suggestions.models import Channel
    from suggestions.services import suggestion_submit

    day = _lock_day(day, expected_version)
    _require_manager(actor, day.station)
    if day.status == ReceptionDay.Status.CANCELLED:
        raise ValidationError(gettext("A cancelled reception day cannot be logged."))
    if day.date > today():
        raise ValidationError(gettext("A reception day can be logged once it has begun."))
    if visitors is None or visitors < 0:
        raise ValidationError({"visitors": gettext("The number of residents cannot be negative.")})
    came = {delegate.pk for delegate in attended}
    for duty in day.duties.all():
        duty.attended = duty.delegate_id in came
        duty.save(update_fields=["attended"])
    first_log = day.logged_at is None
    was_held = day.status == ReceptionDay.Status.HELD
    old_visitors = (day.visitors or 0) if was_held else 0
    day.visitors = visitors
    day.log_notes = (notes or "").strip()
    day.status = ReceptionDay.Status.HELD
    day.logged_at = now()
    day.logged_by = actor
    day.version += 1
    day.full_clean()
    day.save(update_fields=["visitors", "log_notes", "status", "logged_at", "logged_by", "version"])
    events.publish(RECEPTION_DAY_LOGGED, day=day, was_held=was_held, old_visitors=old_visitors)
    created = []
    for number, issue in enumerate(issues):
        key = uuid.uuid5(submission_key, str(number)) if submission_key else None
        try:
            created.append(
                suggestion_submit(
                    channel=Channel.RECEPTION_DAY,
                    reception_day=day,
                    station=day.station,
                    actor=actor,
                    submission_key=key,
                    **issue,
                )
            )
        except ValidationError as error:
            # Point the message at the issue it belongs to; the whole log rolls back.
            raise ValidationError(
                gettext("Issue %(n)d: %(errors)s")
                % {"n": number + 1, "errors": " ".join(error.messages)}
            ) from error
    _audit(
        "reception_day_log" if first_log else "reception_day_log_correct",
        actor=actor,
        obj=day,
        detail={"station": day.station_id, "visitors": visitors, "issues": len(created)},
    )
    day.new_suggestions = created
    return day


# --- the official holiday calendar (office) ---------------------------------------------------

# The State Council's schedule names its holidays in Chinese; the package names them in English.
PACKAGE_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAX_HOLIDAY_DAYS = 20
CALENDAR_FIRST_YEAR = 2000
CALENDAR_LAST_YEAR = 2100


def _require_office(actor) -> None:
    if actor is not None and not (actor.is_active and actor.is_office):
        raise NotAllowed(gettext("Only the congress office keeps the holiday calendar."))


def _calendar_before(year: int) -> WorkCalendar:
    """A calendar holding the overrides as they are now, for the year and its neighbours
    (a reception day of late December can be postponed into January)."""
    return WorkCalendar().load(year - 1, year, year + 1)


def package_calendar_days(year: int) -> list[tuple[datetime.date, bool, str]]:
    """(date, is working day, name) of the package's holidays and make-up working days."""
    from chinese_calendar.constants import holidays, workdays

    days = [(day, False, name) for day, name in holidays.items() if day.year == year]
    days += [(day, True, name) for day, name in workdays.items() if day.year == year]
    return sorted(
        (day, is_workday, PACKAGE_HOLIDAY_NAMES.get(str(name), str(name))[:40])
        for day, is_workday, name in days
    )


def _reschedule_reception_days(*, year: int, before: WorkCalendar, actor) -> dict:
    """Move the upcoming reception days whose 顺延 the calendar change altered.

    A day moves when its rule postpones on holidays, it is still scheduled and not logged, it
    lies after today, and it stands where the old calendar put it (a day staff moved by hand
    stays). It moves through ``reception_day_update`` (audited as a move); when the station
    already receives on the new date, it is cancelled instead, with the reason.
    """
    after = WorkCalendar()
    first = datetime.date(year - 1, 12, 1)
    changed = []
    day = first
    while day <= datetime.date(year, 12, 31):
        if before.next_workday(day) != after.next_workday(day):
            changed.append(day)
        day += datetime.timedelta(days=1)
    moved = cancelled = 0
    if not changed:
        return {"moved": 0, "cancelled": 0}
    current = today()
    candidates = (
        ReceptionDay.objects.filter(
            rule__postpone_on_holiday=True,
            rule_date__in=changed,
            date__gt=current,
            status=ReceptionDay.Status.SCHEDULED,
            logged_at__isnull=True,
        )
        .select_related("station")
        .order_by("date", "pk")
    )
    for reception_day in candidates:
        old = before.next_workday(reception_day.rule_date)
        new = after.next_workday(reception_day.rule_date)
        if reception_day.date != old or new == old or new <= current:
            continue
        try:
            reception_day_update(
                day=reception_day,
                actor=actor,
                date=new,
                start_time=reception_day.start_time,
                end_time=reception_day.end_time,
                theme=reception_day.theme,
                announcement=reception_day.announcement,
                leader_name=reception_day.leader_name,
            )
            moved += 1
        except ValidationError:
            reception_day_cancel(
                day=reception_day,
                actor=actor,
                reason=gettext(
                    "The day falls on a public holiday and the station already receives on "
                    "the next working day."
                ),
            )
            cancelled += 1
    return {"moved": moved, "cancelled": cancelled}


def _calendar_audit(action: str, *, actor, year: int, detail: dict) -> None:
    _audit(
        action,
        actor=actor,
        obj=CalendarYear.objects.get_or_create(year=year)[0],
        detail={"year": year, **detail},
    )


def _check_calendar_year(year: int) -> None:
    if not CALENDAR_FIRST_YEAR <= year <= CALENDAR_LAST_YEAR:
        raise ValidationError(
            gettext("Keep the calendar of a year between %(first)d and %(last)d.")
            % {"first": CALENDAR_FIRST_YEAR, "last": CALENDAR_LAST_YEAR}
        )


@transaction.atomic
def calendar_year_fill_from_package(*, year: int, actor) -> dict:
    """Replace the year's holidays and make-up working days with those the chinesecalendar
    package carries (the State Council's published schedule). Moves the reception days the
    change postpones. Returns how many days were written, moved and cancelled."""
    _require_office(actor)
    _check_calendar_year(year)
    days = package_calendar_days(year)
    if not days:
        raise ValidationError(
            gettext("The chinesecalendar package does not know %(year)d: enter it by hand.")
            % {"year": year}
        )
    CalendarYear.objects.select_for_update().get_or_create(year=year)
    before = _calendar_before(year)
    CalendarDay.objects.filter(date__year=year).delete()
    for day, is_workday, name in days:
        row = CalendarDay(date=day, is_workday=is_workday, name=name)
        row.full_clean()
        row.save()
    result = {
        "days": len(days),
        **_reschedule_reception_days(year=year, before=before, actor=actor),
    }
    _calendar_audit("calendar_fill_from_package", actor=actor, year=year, detail=result)
    return result


@transaction.atomic
def calendar_period_add(
    *,
    year: int,
    name: str,
    first_day: datetime.date,
    last_day: datetime.date,
    workdays: Iterable[datetime.date] = (),
    actor,
) -> dict:
    """Enter one holiday of the year's schedule: its days off from ``first_day`` to
    ``last_day`` and its make-up working days (调休, weekend days worked). Every date lies in
    the year, none is already entered, none is both. Moves the reception days the holiday
    postpones; returns how many were moved and cancelled."""
    _require_office(actor)
    _check_calendar_year(year)
    CalendarYear.objects.select_for_update().get_or_create(year=year)
    name = (name or "").strip()
    workdays = sorted(set(workdays))
    errors: dict[str, list[str]] = {}
    if not name:
        errors.setdefault("name", []).append(gettext("Name the holiday, e.g. 春节."))
    if first_day.year != year or last_day.year != year:
        errors.setdefault("first_day", []).append(
            gettext("The holiday's days must lie in %(year)d.") % {"year": year}
        )
    elif last_day < first_day:
        errors.setdefault("last_day", []).append(gettext("The holiday ends before it starts."))
    elif (last_day - first_day).days + 1 > MAX_HOLIDAY_DAYS:
        errors.setdefault("last_day", []).append(
            gettext("A holiday lasts at most %(n)d days.") % {"n": MAX_HOLIDAY_DAYS}
        )
    for day in workdays:
        if day.year != year:
            errors.setdefault("workdays", []).append(
                gettext("%(date)s is not in %(year)d.") % {"date": day.isoformat(), "year": year}
            )
        elif first_day <= day <= last_day:
            errors.setdefault("workdays", []).append(
                gettext("%(date)s cannot be both a holiday and a make-up working day.")
                % {"date": day.isoformat()}
            )
        elif day.weekday() < 5:
            errors.setdefault("workdays", []).append(
                gettext(
                    "%(date)s is a weekday, a working day anyway: a make-up working day is a "
                    "Saturday or Sunday."
                )
                % {"date": day.isoformat()}
            )
    if errors:
        raise ValidationError(errors)
    holidays = [
        first_day + datetime.timedelta(days=n) for n in range((last_day - first_day).days + 1)
    ]
    taken = dict(
        CalendarDay.objects.filter(date__in=[*holidays, *workdays]).values_list("date", "name")
    )
    if taken:
        raise ValidationError(
            gettext("Already entered: %(dates)s. Remove that holiday first to change it.")
            % {
                "dates": ", ".join(
                    f"{day.isoformat()} {taken[day]}".strip() for day in sorted(taken)
                )
            }
        )
    before = _calendar_before(year)
    for day, is_workday in [(day, False) for day in holidays] + [(day, True) for day in workdays]:
        row = CalendarDay(date=day, is_workday=is_workday, name=name[:40])
        row.full_clean()
        row.save()
    result = _reschedule_reception_days(year=year, before=before, actor=actor)
    _calendar_audit(
        "calendar_period_add",
        actor=actor,
        year=year,
        detail={
            "name": name,
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "workdays": [day.isoformat() for day in workdays],
            **result,
        },
    )
    return result


@transaction.atomic
def calendar_period_remove(*, year: int, name: str, actor) -> dict:
    """Remove a holiday (its days off and make-up working days) from the year's schedule, and
    bring back the reception days it had postponed."""
    _require_office(actor)
    _check_calendar_year(year)
    CalendarYear.objects.select_for_update().get_or_create(year=year)
    before = _calendar_before(year)
    removed, _ = CalendarDay.objects.filter(date__year=year, name=name).delete()
    if not removed:
        raise ValidationError(gettext("That holiday is not in the schedule."))
    result = _reschedule_reception_days(year=year, before=before, actor=actor)
    _calendar_audit(
        "calendar_period_remove",
        actor=actor,
        year=year,
        detail={"name": name, "days": removed, **result},
    )
    return result


@transaction.atomic
def calendar_year_mark_official(*, year: int, actor) -> CalendarYear:
    """Record that the year's schedule as entered is the official one: its reception days and
    deadlines are no longer provisional (暂定)."""
    _require_office(actor)
    _check_calendar_year(year)
    calendar_year, _ = CalendarYear.objects.select_for_update().get_or_create(year=year)
    if calendar_year.is_official:
        raise ValidationError(gettext("%(year)d is already marked official.") % {"year": year})
    from .workdays import PACKAGE_YEARS

    has_days = CalendarDay.objects.filter(date__year=year, is_workday=False).exists()
    if year not in PACKAGE_YEARS and not has_days:
        raise ValidationError(
            gettext("Enter the year's holidays before marking the schedule official.")
        )
    calendar_year.is_official = True
    calendar_year.full_clean()
    calendar_year.save(update_fields=["is_official"])
    _audit("calendar_year_mark_official", actor=actor, obj=calendar_year, detail={"year": year})
    return calendar_year


@transaction.atomic
def calendar_day_save(*, day: CalendarDay, actor) -> dict:
    """Save one calendar override as the admin edits it, and move the reception days the
    change postpones (as ``calendar_period_add`` does for a whole holiday)."""
    _require_office(actor)
    years = {day.date.year}
    if day.pk is not None:
        years.add(CalendarDay.objects.get(pk=day.pk).date.year)
    befores = {year: _calendar_before(year) for year in years}
    day.name = (day.name or "").strip()
    day.full_clean()
    day.save()
    result = {"moved": 0, "cancelled": 0}
    for year, before in befores.items():
        for key, value in _reschedule_reception_days(year=year, before=before, actor=actor).items():
            result[key] += value
    _calendar_audit(
        "calendar_day_save",
        actor=actor,
        year=day.date.year,
        detail={"date": day.date.isoformat(), "workday": day.is_workday, **result},
    )
    return result


@transaction.atomic
def calendar_day_delete(*, day: CalendarDay, actor) -> dict:
    """Delete one calendar override (from the admin) and bring back the days it postponed."""
    _require_office(actor)
    year = day.date.year
    before = _calendar_before(year)
    CalendarDay.objects.filter(pk=day.pk).delete()
    result = _reschedule_reception_days(year=year, before=before, actor=actor)
    _calendar_audit(
        "calendar_day_delete",
        actor=actor,
        year=year,
        detail={"date": day.date.isoformat(), **result},
    )
    return result
