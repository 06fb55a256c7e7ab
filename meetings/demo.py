"""Demo meetings on top of the demo district of ``suggestions/demo.py`` (seed 003).

A closed 选民评单会 at 市西街道 with its secret ballot (phone and paper, 100% satisfaction as in
seed 003), and a 板凳议事会 at 东南街道 with topics grouped from open suggestions, decisions and
follow-ups. Built through the services; idempotent (a meeting already there is left alone).
"""

import datetime
import random

from django.db.models import Count, Q

from accounts.models import Role, User
from congress_portal.clock import frozen_at, today
from stations.models import Station
from suggestions.models import OPEN_STATES, State

from . import selectors, services
from .models import Meeting

RATING_TITLE = "半年选民评单会"  # ends every demo rating meeting's title
BENCH_TITLE = "板凳议事会：路灯与停车"


def seed(stdout=None) -> None:
    """Add the demo meetings (call after ``suggestions.demo``); does nothing twice."""
    office = User.objects.filter(username="office", role=Role.OFFICE).first()
    if office is None:
        return
    rng = random.Random(2026)  # noqa: S311  (demo ratings, not secrets)
    _rating_meeting(office, rng, stdout)
    _bench_meeting(office, stdout)


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text + "\n")


def _busiest(root_name: str, states) -> Station | None:
    """The station in ``root_name``'s tree holding the most suggestions in ``states``."""
    root = Station.objects.filter(name=root_name).first()
    if root is None:
        return None
    return (
        Station.objects.filter(Q(pk=root.pk) | Q(parent=root))
        .annotate(n=Count("suggestions", filter=Q(suggestions__state__in=states)))
        .order_by("-n", "name")
        .first()
    )


def _actor(station: Station, office: User) -> User:
    staff = station.staff.first() or (station.parent.staff.first() if station.parent else None)
    return staff or office


def _rating_meeting(office, rng, stdout):
    station = _busiest("市西街道人大代表联络站", [State.REPLIED, State.CLOSED])
    if (
        station is None
        or Meeting.objects.filter(station=station, title__endswith=RATING_TITLE).exists()
    ):
        return
    held = today() - datetime.timedelta(days=3)
    title = f"{held.year}年{'上' if held.month <= 6 else '下'}{RATING_TITLE}"
    # The half year's replies (seed 003), topped up with earlier ones for a fuller ballot.
    items = selectors.default_ballot_items(station.pk, held)[:10]
    for pk in selectors.ballot_item_choices(station.pk).values_list("id", flat=True):
        if len(items) >= 6:
            break
        if pk not in items:
            items.append(pk)
    if not items:
        return
    actor = _actor(station, office)
    with frozen_at(datetime.datetime.combine(held, datetime.time(9, 30))):
        meeting = services.meeting_create(
            actor=actor,
            station=station,
            kind=Meeting.Kind.RATING,
            title=title,
            date=held,
            start_time=datetime.time(9, 30),
            place=f"{station.name}议事室",
            status=Meeting.Status.HELD,
            delegates=list(station.delegates.all()[:4]),
            committee_members="社区党委书记、居委会主任",
            resident_representatives="居民代表、楼栋长",
            agenda="一、代表通报半年来群众意见建议办理情况\n二、选民无记名评单\n三、当场公布结果",
            minutes="到会选民40人，对半年来办理的意见建议逐项无记名评议，满意度100%。",
        )
        session = services.ballot_session_prepare(
            meeting=meeting,
            actor=actor,
            suggestions=list(station.suggestions.filter(pk__in=items)),
            voters=40,
        )
        plain = services.ballot_codes_issue(session=session, actor=actor)
        marks_for = list(session.suggestions.values_list("id", flat=True))
        for code in plain[:30]:
            marks = {pk: rng.choice(["satisfied"] * 4 + ["basic"]) for pk in marks_for}
            services.ballot_cast(session=session, code=code, marks=marks)
        totals = {}
        for pk in marks_for:
            satisfied = rng.randint(7, 10)
            totals[pk] = (satisfied, 10 - satisfied, 0)
        services.ballot_paper_enter(session=session, actor=actor, totals=totals)
        services.ballot_session_close(session=session, actor=actor)
    _say(stdout, f"  {title}: {len(marks_for)} items, 30 phone ballots, 10 on paper")


def _bench_meeting(office, stdout):
    station = _busiest("东南街道人大代表之家", list(OPEN_STATES))
    if station is None or Meeting.objects.filter(station=station, title=BENCH_TITLE).exists():
        return
    actor = _actor(station, office)
    held = today() - datetime.timedelta(days=10)
    with frozen_at(datetime.datetime.combine(held, datetime.time(15, 0))):
        meeting = services.meeting_create(
            actor=actor,
            station=station,
            kind=Meeting.Kind.BENCH,
            title=BENCH_TITLE,
            date=held,
            start_time=datetime.time(15, 0),
            place="小区凉亭",
            status=Meeting.Status.HELD,
            delegates=list(station.delegates.all()[:3]),
            committee_members="社区居委会主任",
            property_companies="小区物业服务中心",
            unit_representatives="街道城建办、供电所",
            resident_representatives="楼栋长、居民代表8人",
            agenda="收集民意—确定议题—代表议事—跟踪落实",
            minutes="围绕居民反映集中的问题逐一议事，明确责任单位和完成时限。",
        )
        groups = [p.suggestions for p in selectors.topic_proposals(station.pk)[:2]]
        if not groups:
            open_ones = list(
                station.suggestions.filter(state__in=OPEN_STATES).order_by("submitted_at")[:4]
            )
            groups = [open_ones[:2], open_ones[2:]] if len(open_ones) >= 2 else []
        for number, group in enumerate(g for g in groups if g):
            topic = services.topic_create(
                meeting=meeting,
                actor=actor,
                title=min((s.title for s in group), key=len),
                description="居民在接待日和走访中多次反映。",
                suggestions=group,
            )
            services.topic_decide(
                topic=topic,
                actor=actor,
                decision="由责任单位限期整改，代表跟踪督办，结果在小区公示栏公开。",
            )
            first = services.follow_up_add(
                topic=topic,
                actor=actor,
                description="现场查看并制定整改方案",
                owner="街道城建办",
                due_date=held + datetime.timedelta(days=7),
            )
            services.follow_up_add(
                topic=topic,
                actor=actor,
                description="整改完成后回访居民",
                owner="驻站代表",
                due_date=held + datetime.timedelta(days=30),
            )
            if number == 0:
                services.follow_up_done(
                    follow_up=first, actor=actor, note="已现场查看，整改方案已报街道。"
                )
    _say(stdout, f"  {BENCH_TITLE}: {len(groups)} topics with follow-ups")
