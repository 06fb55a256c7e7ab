"""Demo data of the delegates' records, on top of the district ``suggestions/demo.py`` builds.

A year (last year and this year so far) of activities, fixed contacts, field-diary notes and
annual reports for the delegates who have accounts, with diligence spread so that the
performance list shows a mix of met, on-track and behind files. Everything goes through the
delegates' services. Idempotent: a second run changes nothing.
"""

import datetime
import random

from django.db import transaction

from accounts.models import Role, User
from congress_portal.clock import today

from .models import Activity, Delegate, DiaryEntry, FixedContact
from .services import (
    activity_record,
    annual_report_save,
    diary_entry_create,
    diary_entry_to_suggestion,
    fixed_contact_add,
)

RESIDENTS = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗")
RESIDENT_SUFFIX = ["大妈", "大爷", "阿姨", "师傅", "老师", "大姐", "大哥"]
VISIT_TITLES = ["走访困难群众", "走访老党员", "走访种植大户", "入户听取意见", "走访独居老人"]
CONSTITUENCY_TITLES = ["回选区听取意见", "回选区通报履职情况", "回选区收集民意"]
OTHER = [
    (Activity.Kind.INSPECTION, "视察农村道路建设"),
    (Activity.Kind.RESEARCH, "调研老旧小区改造"),
    (Activity.Kind.DELIBERATION, "参加板凳议事会"),
    (Activity.Kind.TRAINING, "参加代表履职培训"),
    (Activity.Kind.PAIRING, "结对帮扶困难户"),
    (Activity.Kind.INVESTMENT, "对接招商项目"),
]
DIARY = [
    ("新民社区", "居民反映小区门口路灯坏了一个多月，晚上出行不便。"),
    ("锦绣家园", "楼下垃圾桶太少，夏天气味大，希望增加清运次数。"),
    ("王庄村", "村口小桥栏杆松动，孩子上学路过不安全。"),
    ("菜市场", "早市摊位占道，电动车通行困难。"),
    ("幸福里", "老旧小区想加装电梯，不知道找哪个部门。"),
    ("东南街道", "几位老人希望社区食堂延长营业时间。"),
]


def _random_day(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max((end - start).days, 0)))


def seed(stdout=None) -> None:
    """Add a year of delegates' records to the demo district (once)."""
    if FixedContact.objects.exists():
        if stdout is not None:
            stdout.write("Delegates' records are already there; nothing changed.")
        return
    office = User.objects.filter(role=Role.OFFICE, is_active=True).order_by("pk").first()
    delegates = list(
        Delegate.objects.filter(is_active=True, user__isnull=False, user__role=Role.DELEGATE)
        .select_related("user")
        .prefetch_related("memberships__station")
        .order_by("pk")
    )
    if office is None or not delegates:
        return
    rng = random.Random(55)  # noqa: S311  (repeatable demo data, not security)
    on = today()
    with transaction.atomic():
        for number, delegate in enumerate(delegates):
            # The demo login (张建华) is diligent; the others spread from idle to exemplary.
            diligence = (
                0.95
                if delegate.user.username == "delegate"
                else rng.choice([0.2, 0.4, 0.6, 0.75, 0.9, 1.0])
            )
            colleagues = [d for d in delegates if d.pk != delegate.pk]
            actor = delegate.user
            for year in (on.year - 1, on.year):
                _seed_year(rng, delegate, actor, office, year, on, diligence, colleagues)
            for _ in range(round(7 * diligence)):
                fixed_contact_add(
                    actor=actor,
                    delegate=delegate,
                    name=rng.choice(RESIDENTS) + rng.choice(RESIDENT_SUFFIX),
                    place=rng.choice(DIARY)[0],
                    since=datetime.date(on.year - 1, rng.randint(1, 12), 1),
                )
            if number < 12 or delegate.user.username == "delegate":
                _seed_diary(rng, delegate, actor)
    if stdout is not None:
        stdout.write(
            f"Delegates' records: {Activity.objects.count()} activities, "
            f"{DiaryEntry.objects.count()} diary notes."
        )


def _seed_year(rng, delegate, actor, office, year, on, diligence, colleagues):
    last_day = min(on, datetime.date(year, 12, 31))
    stations = [membership.station for membership in delegate.memberships.all()]
    months = range(1, last_day.month + 1)
    for month in months:
        first = datetime.date(year, month, 1)
        end = min(
            last_day,
            (first + datetime.timedelta(days=31)).replace(day=1) - datetime.timedelta(days=1),
        )
        if rng.random() < diligence:
            activity_record(
                actor=actor,
                delegate=delegate,
                kind=Activity.Kind.RECEPTION,
                date=_random_day(rng, first, end),
                title="进站接待选民",
                station=stations[0] if stations else None,
                residents_contacted=rng.randint(2, 9),
            )
        if rng.random() < diligence:
            group = rng.sample(colleagues, k=min(len(colleagues), rng.choice([0, 0, 1, 2])))
            activity_record(
                actor=actor,
                delegate=delegate,
                kind=Activity.Kind.VISIT,
                date=_random_day(rng, first, end),
                title=rng.choice(VISIT_TITLES),
                place=rng.choice(DIARY)[0],
                participants=group,
                residents_contacted=rng.randint(1, 6),
            )
        if month % 3 == 2 and rng.random() < diligence:
            activity_record(
                actor=actor,
                delegate=delegate,
                kind=Activity.Kind.CONSTITUENCY,
                date=_random_day(rng, first, end),
                title=rng.choice(CONSTITUENCY_TITLES),
                residents_contacted=rng.randint(10, 40),
            )
        if rng.random() < diligence / 3:
            kind, title = rng.choice(OTHER)
            activity_record(
                actor=actor,
                delegate=delegate,
                kind=kind,
                date=_random_day(rng, first, end),
                title=title,
            )
    # The annual report to voters, rated by a paper vote, in December (or early next year).
    if year < on.year and diligence >= 0.6:
        voters = rng.randint(40, 80)
        unsatisfied = rng.randint(0, 3)
        basic = rng.randint(0, 8)
        annual_report_save(
            actor=office,
            delegate=delegate,
            year=year,
            date=datetime.date(year, 12, rng.randint(10, 28)),
            place="选区述职评议会",
            summary="向选民报告一年来进站接待、走访选民、督办群众意见建议的情况。",
            satisfied=voters - basic - unsatisfied,
            basically_satisfied=basic,
            unsatisfied=unsatisfied,
        )


def _seed_diary(rng, delegate, actor):
    from suggestions.models import Category

    on = today()
    category = Category.objects.filter(is_active=True).order_by("position").first()
    station = delegate.stations.filter(is_active=True).order_by("pk").first()
    for position, (place, text) in enumerate(rng.sample(DIARY, k=3)):
        entry = diary_entry_create(
            actor=actor,
            delegate=delegate,
            text=text,
            place=place,
            date=on - datetime.timedelta(days=3 + 9 * position),
        )
        if position == 0 and category is not None and station is not None:
            diary_entry_to_suggestion(
                entry=entry,
                actor=actor,
                station=station,
                category=category,
                title=text[:20],
                content=text,
                take=True,
            )
