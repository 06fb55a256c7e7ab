"""Writes of the delegates app."""

import datetime
import re
import unicodedata
import uuid
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from pypinyin import Style, lazy_pinyin

from accounts.models import Role
from accounts.services import audit_record
from congress_portal.clock import today

from . import performance
from .models import (
    Activity,
    ActivityInvitation,
    AnnualReport,
    Delegate,
    DiaryEntry,
    FixedContact,
    Level,
    PerformanceFigures,
    YearlyTarget,
)

# pypinyin (0.55) has no surname mode: it reads a name like any text, so 单 comes out "dan",
# 曾 "ceng", 解 "jie" (mozillazg/python-pinyin#297 and #120, both open). The surname is the
# first one or two characters of a Chinese name, so we read those from the two tables below
# and leave the given name to pypinyin. Only surnames whose reading differs from pypinyin's
# default, or that span two characters, need to be here.

# Compound surnames (复姓). 单于 is left out on purpose: it is almost extinct, and a 单 with a
# given name starting 于 (单于飞) is far likelier; that reads shan + yu.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"),
    "司马": ("si", "ma"),
    "上官": ("shang", "guan"),
    "诸葛": ("zhu", "ge"),
    "东方": ("dong", "fang"),
    "皇甫": ("huang", "fu"),
    "尉迟": ("yu", "chi"),
    "万俟": ("mo", "qi"),
    "长孙": ("zhang", "sun"),
    "慕容": ("mu", "rong"),
    "令狐": ("ling", "hu"),
    "宇文": ("yu", "wen"),
    "公孙": ("gong", "sun"),
    "夏侯": ("xia", "hou"),
    "澹台": ("tan", "tai"),
    "端木": ("duan", "mu"),
    "轩辕": ("xuan", "yuan"),
    "司徒": ("si", "tu"),
    "司空": ("si", "kong"),
    "南宫": ("nan", "gong"),
    "西门": ("xi", "men"),
    "呼延": ("hu", "yan"),
    "申屠": ("shen", "tu"),
    "闻人": ("wen", "ren"),
    "濮阳": ("pu", "yang"),
    "淳于": ("chun", "yu"),
    "太史": ("tai", "shi"),
    "乐正": ("yue", "zheng"),
    "亓官": ("qi", "guan"),
    "第五": ("di", "wu"),
}

# Single-character surnames read differently from the character's common reading.
SURNAMES: dict[str, str] = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "翟": "zhai",
    "缪": "miao",
    "秘": "bi",
    "重": "chong",
    "种": "chong",
    "繁": "po",
    "乐": "yue",
    "阚": "kan",
    "折": "she",
    "佴": "nai",
    "粘": "nian",
    "员": "yun",
    "贠": "yun",
    "句": "gou",
    "召": "shao",
    "长": "chang",
    "洗": "xian",
    "乜": "nie",
    "薄": "bo",
    "都": "du",
    "黑": "he",
    "祭": "zhai",
    "卜": "bu",
    "角": "jue",
    "颉": "xie",
}

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
# CJK unified ideographs, extension A and the supplementary-plane extensions.
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")


def _syllables(text: str) -> list[str]:
    """Toneless lower-case syllables of ``text``; other scripts pass through, symbols drop."""
    result = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL):
        # Non-Chinese runs come back whole ("John", "·"); keep their letters and digits.
        for part in _NOT_ALNUM.split(chunk.lower()):
            if part:
                result.append(part)
    return result


def name_syllables(name: str) -> list[str]:
    """The pinyin syllables of a person's name, reading the surname as a surname."""
    # NFKC folds full-width letters and digits.
    name = unicodedata.normalize("NFKC", name or "").strip()
    if not _HAN.match(name):
        # Not a Chinese name (empty, or e.g. a Latin-script name): no surname rule applies.
        return _syllables(name)
    # Spaces inside a Chinese name carry no meaning ("张 建华").
    name = "".join(name.split())
    if name[:2] in COMPOUND_SURNAMES and len(name) > 2:
        return [*COMPOUND_SURNAMES[name[:2]], *_syllables(name[2:])]
    if name[0] in SURNAMES:
        return [SURNAMES[name[0]], *_syllables(name[1:])]
    # Converted apart from the given name so that a phrase never spans the two.
    return [*_syllables(name[0]), *_syllables(name[1:])]


def delegate_set_search_names(*, delegate: Delegate) -> None:
    """Fill ``name_pinyin`` (zhangjianhua) and ``name_initials`` (zjh) from ``name``; no save."""
    syllables = name_syllables(delegate.name)
    pinyin_max = Delegate._meta.get_field("name_pinyin").max_length
    initials_max = Delegate._meta.get_field("name_initials").max_length
    delegate.name_pinyin = "".join(syllables)[:pinyin_max]
    delegate.name_initials = "".join(s[0] for s in syllables)[:initials_max]


def delegate_save(*, delegate: Delegate) -> Delegate:
    """Validate and save a delegate (new or edited) with its pinyin search names in step."""
    with transaction.atomic():
        # Search names first, so that validation covers them too.
        delegate_set_search_names(delegate=delegate)
        delegate.full_clean()
        delegate.save()
        # The kept files sort by the pinyin; a new delegate gets this year's file.
        PerformanceFigures.objects.filter(delegate=delegate).exclude(
            name_pinyin=delegate.name_pinyin
        ).update(name_pinyin=delegate.name_pinyin)
        performance.performance_refresh_later([delegate.pk], [today().year])
    return delegate


# --- who may write a delegate's records --------------------------------------------------------


class NotAllowed(PermissionDenied):
    """The actor may not write this delegate's records. Carries a translated message."""


def _require_for(actor, delegate: Delegate) -> None:
    """The office writes for any delegate; a delegate only for themself."""
    if actor is None or not actor.is_active:
        raise NotAllowed(gettext("Log in first."))
    if actor.is_office:
        return
    own = getattr(actor, "delegate", None) if actor.role == Role.DELEGATE else None
    if own is None or own.pk != delegate.pk:
        raise NotAllowed(gettext("You can only keep your own records."))


def _require_office(actor) -> None:
    if actor is None or not actor.is_office:
        raise NotAllowed(gettext("Only the congress office can do this."))


def _check_not_future(day: datetime.date, field: str = "date") -> None:
    if day > today():
        raise ValidationError({field: gettext("This date is in the future.")})


# --- activities (履职活动) ---------------------------------------------------------------------


def _activity_fill(activity: Activity, *, kind, title, date, place, station, residents, notes):
    activity.kind = kind
    # An empty title reads as the kind: "走访选民" is a fine title for a visit.
    activity.title = (title or "").strip() or str(Activity.Kind(kind).label)
    activity.date = date
    activity.place = (place or "").strip()
    activity.station = station
    activity.residents_contacted = residents
    activity.notes = (notes or "").strip()
    _check_not_future(date)
    activity.full_clean()


@transaction.atomic
def activity_record(
    *,
    actor,
    delegate: Delegate,
    kind: str,
    date: datetime.date,
    title: str = "",
    place: str = "",
    station=None,
    participants: Iterable[Delegate] = (),
    residents_contacted: int = 0,
    notes: str = "",
    submission_key: uuid.UUID | None = None,
) -> Activity:
    """Record an activity of ``delegate`` (and of the other ``participants``, for a group
    activity: it counts for each of them). The same ``submission_key`` twice records once."""
    _require_for(actor, delegate)
    if submission_key is not None:
        existing = Activity.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    activity = Activity(created_by=actor, submission_key=submission_key)
    _activity_fill(
        activity,
        kind=kind,
        title=title,
        date=date,
        place=place,
        station=station,
        residents=residents_contacted,
        notes=notes,
    )
    try:
        with transaction.atomic():
            activity.save()
    except IntegrityError:
        if submission_key is None:
            raise
        return Activity.objects.get(submission_key=submission_key)  # the twin post won
    others = {p.pk for p in participants} - {delegate.pk}
    _require_station(actor, delegate, station)
    if actor.is_office:
        people = {delegate.pk, *others}
    else:
        # A delegate records for themself; the others named are asked to confirm.
        people = {delegate.pk}
        _invite(activity, others)
    activity.participants.set(people)
    performance.performance_refresh_later(people, [date.year])
    return activity


def _require_station(actor, delegate: Delegate, station) -> None:
    """A delegate records activities at the stations they are stationed at (or at none); the
    office at any station."""
    if station is None or actor.is_office:
        return
    if not delegate.stations.filter(pk=station.pk).exists():
        raise ValidationError(
            {"station": gettext("Choose one of your own stations, or no station.")}
        )


def _invite(activity: Activity, delegate_ids) -> None:
    """Ask the delegates named to confirm that they took part (again, if they declined)."""
    existing = {
        row.delegate_id: row
        for row in ActivityInvitation.objects.filter(
            activity=activity, delegate_id__in=delegate_ids
        )
    }
    for pk in delegate_ids:
        invitation = existing.get(pk)
        if invitation is None:
            ActivityInvitation.objects.create(activity=activity, delegate_id=pk)
        elif invitation.status == ActivityInvitation.Status.DECLINED:
            invitation.status = ActivityInvitation.Status.PENDING
            invitation.answered_at = None
            invitation.save(update_fields=["status", "answered_at"])


@transaction.atomic
def activity_invitation_answer(
    *, invitation: ActivityInvitation, actor, confirm: bool
) -> ActivityInvitation:
    """The invited delegate confirms (the activity now counts for them) or declines."""
    invitation = ActivityInvitation.objects.select_for_update().get(pk=invitation.pk)
    own = getattr(actor, "delegate", None) if actor and actor.role == Role.DELEGATE else None
    if own is None or own.pk != invitation.delegate_id:
        raise NotAllowed(gettext("Only the delegate named can answer this."))
    if invitation.status != ActivityInvitation.Status.PENDING:
        raise ValidationError(gettext("This has already been answered."))
    invitation.status = (
        ActivityInvitation.Status.CONFIRMED if confirm else ActivityInvitation.Status.DECLINED
    )
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])
    activity = invitation.activity
    if confirm:
        activity.participants.add(own)
        performance.performance_refresh_later({own.pk}, [activity.date.year])
    audit_record(
        action="activity.confirm" if confirm else "activity.decline",
        actor=actor,
        obj=activity,
    )
    return invitation


def activity_can_edit(*, activity: Activity, actor) -> bool:
    """The office edits any activity; a delegate only the ones they recorded."""
    if actor is None or not actor.is_active:
        return False
    return actor.is_office or activity.created_by_id == actor.pk


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    actor,
    kind: str,
    date: datetime.date,
    title: str = "",
    place: str = "",
    station=None,
    participants: Iterable[Delegate] = (),
    residents_contacted: int = 0,
    notes: str = "",
) -> Activity:
    """Change an activity the actor recorded (the office: any). A delegate who recorded it
    stays among its participants."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not activity_can_edit(activity=activity, actor=actor):
        raise NotAllowed(gettext("Only whoever recorded this activity can change it."))
    # Whoever it counted for, in the year it counted in, before the change.
    before = set(activity.participants.values_list("pk", flat=True))
    before_year = activity.date.year
    _activity_fill(
        activity,
        kind=kind,
        title=title,
        date=date,
        place=place,
        station=station,
        residents=residents_contacted,
        notes=notes,
    )
    wanted = {p.pk for p in participants}
    own = getattr(actor, "delegate", None) if actor.role == Role.DELEGATE else None
    if own is not None:
        wanted.add(own.pk)
        _require_station(actor, own, station)
    if not wanted:
        raise ValidationError({"participants": gettext("Choose at least one delegate.")})
    activity.save()
    if own is not None:
        # Those who already take part stay if still named; newly named ones are asked.
        kept = before & wanted
        _invite(activity, wanted - kept - {own.pk})
        ActivityInvitation.objects.filter(activity=activity).exclude(
            delegate_id__in=wanted
        ).delete()
        wanted = kept | {own.pk}
    activity.participants.set(wanted)
    performance.performance_refresh_later(before | wanted, [before_year, activity.date.year])
    audit_record(action="activity.update", actor=actor, obj=activity)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor) -> None:
    """Delete an activity the actor recorded (the office: any); the audit keeps what it was."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not activity_can_edit(activity=activity, actor=actor):
        raise NotAllowed(gettext("Only whoever recorded this activity can delete it."))
    detail = {
        "kind": activity.kind,
        "date": activity.date.isoformat(),
        "title": activity.title,
        "participants": list(activity.participants.values_list("pk", flat=True)),
    }
    audit_record(action="activity.delete", actor=actor, obj=activity, detail=detail)
    activity.delete()
    performance.performance_refresh_later(detail["participants"], [int(detail["date"][:4])])


# --- field diary (民情日记) --------------------------------------------------------------------


@transaction.atomic
def diary_entry_create(
    *,
    actor,
    delegate: Delegate,
    text: str,
    date: datetime.date | None = None,
    place: str = "",
    submission_key: uuid.UUID | None = None,
) -> DiaryEntry:
    """A quick field note of ``delegate``. The same ``submission_key`` twice saves once."""
    _require_for(actor, delegate)
    if submission_key is not None:
        existing = DiaryEntry.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    entry = DiaryEntry(
        delegate=delegate,
        date=date or today(),
        place=(place or "").strip(),
        text=text.strip(),
        submission_key=submission_key,
    )
    _check_not_future(entry.date)
    entry.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        if submission_key is None:
            raise
        return DiaryEntry.objects.get(submission_key=submission_key)  # the twin post won
    return entry


@transaction.atomic
def diary_entry_delete(*, entry: DiaryEntry, actor) -> None:
    """Delete a note that has not become a suggestion (one that has is part of its trail)."""
    entry = DiaryEntry.objects.select_for_update().get(pk=entry.pk)
    _require_for(actor, entry.delegate)
    if entry.suggestions.exists():
        raise ValidationError(gettext("This note became a suggestion and is kept with it."))
    entry.delete()


@transaction.atomic
def diary_entry_to_suggestion(
    *,
    entry: DiaryEntry,
    actor,
    station,
    category,
    title: str,
    content: str,
    take: bool = False,
):
    """Turn a field note into a suggestion of the loop (channel: field diary), once. With
    ``take`` the delegate also takes it at once (接单)."""
    from suggestions.models import Channel
    from suggestions.services import suggestion_accept, suggestion_submit

    entry = DiaryEntry.objects.select_for_update().select_related("delegate").get(pk=entry.pk)
    _require_for(actor, entry.delegate)
    existing = entry.suggestions.first()
    if existing is not None:
        raise ValidationError(
            gettext("This note is already suggestion %(code)s.")
            % {"code": existing.formatted_code},
            code="already_turned",
        )
    if not entry.delegate.memberships.filter(station=station).exists():
        raise ValidationError(
            {"station": gettext("Choose a station the delegate is stationed at.")}
        )
    suggestion = suggestion_submit(
        channel=Channel.DIARY,
        diary_entry=entry,
        actor=actor,
        station=station,
        category=category,
        title=title,
        content=content,
        address=entry.place,
    )
    if take and getattr(actor, "delegate", None) == entry.delegate:
        suggestion = suggestion_accept(suggestion=suggestion, actor=actor)
    return suggestion


# --- fixed contacts (固定联系选民) -------------------------------------------------------------


@transaction.atomic
def fixed_contact_add(
    *, actor, delegate: Delegate, name: str, place: str = "", since: datetime.date | None = None
) -> FixedContact:
    """Add a resident ``delegate`` keeps in fixed contact with."""
    _require_for(actor, delegate)
    contact = FixedContact(
        delegate=delegate, name=name.strip(), place=(place or "").strip(), since=since or today()
    )
    contact.full_clean()
    contact.save()
    # It counts in every year from its start on.
    years = performance.kept_years([delegate.pk], contact.since.year, today().year)
    performance.performance_refresh_later([delegate.pk], years)
    return contact


@transaction.atomic
def fixed_contact_end(*, contact: FixedContact, actor, until: datetime.date | None = None):
    """End a fixed contact (it still counts for the years it lasted)."""
    contact = FixedContact.objects.select_for_update().get(pk=contact.pk)
    _require_for(actor, contact.delegate)
    ended_from = contact.until.year if contact.until else contact.since.year
    contact.until = max(until or today(), contact.since)
    contact.full_clean()
    contact.save(update_fields=["until"])
    # It no longer counts in the years after its end.
    first = min(ended_from, contact.until.year)
    years = performance.kept_years([contact.delegate_id], first, today().year)
    performance.performance_refresh_later([contact.delegate_id], years)
    return contact


# --- office: annual reports and yearly targets ---------------------------------------------------


@transaction.atomic
def annual_report_save(
    *,
    actor,
    delegate: Delegate,
    year: int,
    date: datetime.date,
    place: str,
    summary: str,
    satisfied: int = 0,
    basically_satisfied: int = 0,
    unsatisfied: int = 0,
) -> AnnualReport:
    """Record (or correct) ``delegate``'s annual report to voters for ``year`` (述职) with the
    totals of the voters' paper vote (述职评议)."""
    _require_office(actor)
    report = AnnualReport.objects.select_for_update().filter(
        delegate=delegate, year=year
    ).first() or AnnualReport(delegate=delegate, year=year, recorded_by=actor)
    created = report.pk is None
    report.date = date
    report.place = place.strip()
    report.summary = summary.strip()
    report.satisfied = satisfied
    report.basically_satisfied = basically_satisfied
    report.unsatisfied = unsatisfied
    _check_not_future(date)
    report.full_clean()
    report.save()
    performance.performance_refresh_later([delegate.pk], [year])
    audit_record(
        action="annual_report.create" if created else "annual_report.update",
        actor=actor,
        obj=report,
        detail={
            "delegate": delegate.pk,
            "year": year,
            "votes": [satisfied, basically_satisfied, unsatisfied],
        },
    )
    return report


@transaction.atomic
def yearly_targets_set(*, actor, year: int, level: str, values: dict[str, int | None]) -> int:
    """Set ``year``'s targets for ``level`` ("" = every level). A value of None for a level
    removes the level's own target (the general one applies again). Returns rows changed."""
    _require_office(actor)
    if level and level not in Level.values:
        raise ValidationError({"level": gettext("Unknown level.")})
    changed = 0
    for metric, value in values.items():
        if metric not in YearlyTarget.Metric.values:
            raise ValidationError(gettext("Unknown target."))
        row = YearlyTarget.objects.filter(year=year, level=level, metric=metric).first()
        if value is None:
            if row is not None and level:
                row.delete()
                changed += 1
            continue
        if row is not None and row.value == value:
            continue
        row = row or YearlyTarget(year=year, level=level, metric=metric)
        row.value = value
        row.full_clean()
        row.save()
        changed += 1
    if changed:
        # Every delegate's status of the year may move: recomputed in the background.
        performance.performance_refresh_year_later(year)
        audit_record(
            action="yearly_targets.set",
            actor=actor,
            object_type="delegates.yearlytarget",
            object_id=f"{year}/{level or 'all'}",
            detail={"year": year, "level": level, "values": values},
        )
    return changed


# --- a delegate who no longer serves -----------------------------------------------------------


def delegate_open_suggestions(delegate: Delegate):
    """What a delegate holds now: taken and not yet answered to the resident (the states a
    suggestion can be reassigned in)."""
    from suggestions.models import ANNOTATIONS, Suggestion, Verb

    return Suggestion.objects.filter(
        delegate=delegate, state__in=sorted(ANNOTATIONS[Verb.REASSIGN])
    )


REASSIGN_BATCH = 200


def delegate_deactivate(*, delegate: Delegate, successor: Delegate | None, actor) -> dict:
    """A delegate stops serving: the record and its history stay (names in every trail, past
    duties, activities, files); the open suggestions they hold go to ``successor`` (required
    when there are any), each through ``suggestion_reassign`` (row lock, event); their duties
    at reception days still to come end; their login account is deactivated. One transaction:
    a delegate holds at most a few hundred suggestions. Returns what moved."""
    from stations.services import duty_assignments_end_upcoming
    from suggestions.models import Suggestion
    from suggestions.services import suggestion_reassign

    _require_office(actor)
    with transaction.atomic():
        locked = Delegate.objects.select_for_update().get(pk=delegate.pk)
        if not locked.is_active:
            raise ValidationError(gettext("This delegate no longer serves already."))
        holding = delegate_open_suggestions(locked)
        count = holding.count()
        if successor is not None:
            if successor.pk == locked.pk:
                raise ValidationError(
                    {"successor": gettext("Choose another delegate to take the suggestions over.")}
                )
            if not successor.is_active:
                raise ValidationError({"successor": gettext("This delegate is no longer serving.")})
        elif count:
            raise ValidationError(
                {
                    "successor": gettext(
                        "This delegate holds open suggestions: choose the delegate who takes "
                        "them over."
                    )
                }
            )
        moved, last = 0, 0
        note = gettext("%(name)s no longer serves.") % {"name": locked.name}
        while count:
            ids = list(
                holding.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:REASSIGN_BATCH]
            )
            if not ids:
                break
            for pk in ids:
                suggestion_reassign(
                    suggestion=Suggestion(pk=pk), delegate=successor, actor=actor, note=note
                )
                moved += 1
            last = ids[-1]
        duties = duty_assignments_end_upcoming(delegate=locked, actor=actor)
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        account = None
        if locked.user_id is not None and locked.user.is_active:
            from accounts.services import user_deactivate

            account = user_deactivate(user=locked.user, actor=actor)
        audit_record(
            action="delegate.deactivate",
            actor=actor,
            obj=locked,
            detail={
                "name": locked.name,
                "successor": successor.pk if successor else None,
                "moved": moved,
                "duties_ended": duties,
                "account": account.pk if account else None,
            },
        )
        performance.performance_refresh_later(
            [locked.pk] + ([successor.pk] if successor else []), [today().year]
        )
    return {"moved": moved, "duties": duties, "account": account}
