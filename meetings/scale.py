"""Province-scale rows of the meetings app (``manage.py generate_scale``).

Meetings of every kind at the stations over three years, with delegates attending; topics
built from a station's open suggestions with decisions and follow-ups; and for the voters'
rating meetings a closed secret-ballot session on suggestions answered before the meeting.
Ballot secrecy as in ``meetings.services``: codes are stored only as hashes, a ballot is a
random key and its marks, with no code, voter or time; paper votes are totals per item.
"""

import datetime
import hashlib
import uuid

from congress_portal.crypto import encrypt
from congress_portal.scale import Scale, through
from suggestions.models import RatingValue

from .models import (
    Ballot,
    BallotCode,
    BallotMark,
    BallotSession,
    FollowUp,
    Meeting,
    PaperTally,
    Topic,
)

TITLES = {
    Meeting.Kind.BENCH: "板凳议事会",
    Meeting.Kind.COMMUNITY: "小区议事协商会",
    Meeting.Kind.RATING: "选民评单会",
    Meeting.Kind.BRIEFING: "政府工作通报会",
    Meeting.Kind.OTHER: "代表座谈会",
}
KINDS = [
    (Meeting.Kind.BENCH, 30),
    (Meeting.Kind.COMMUNITY, 20),
    (Meeting.Kind.RATING, 25),
    (Meeting.Kind.BRIEFING, 15),
    (Meeting.Kind.OTHER, 10),
]
MEETING_COLUMNS = [
    "id",
    "kind",
    "title",
    "station_id",
    "date",
    "start_time",
    "place",
    "organiser_id",
    "committee_members",
    "unit_representatives",
    "property_companies",
    "resident_representatives",
    "other_participants",
    "agenda",
    "minutes",
    "status",
    "created_at",
    "submission_key",
]


def _uuid(rng) -> str:
    # Hex without dashes: what Django stores on SQLite, and PostgreSQL's uuid type reads.
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def generate(scale: Scale, count: int) -> None:
    """``count`` meetings; about a quarter are rating meetings with a closed ballot."""
    rng, facts = scale.rng, scale.facts
    members = facts["members_of_station"]
    answered = facts["answered"]
    open_ = facts["open"]
    info = facts["station_info"]
    stations = [s for s in info if members.get(s)]
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    meetings, attendees, topics, topic_items, follow_ups = [], [], [], [], []
    sessions, session_items, codes, ballots, marks, tallies = [], [], [], [], [], []
    m2m_delegates = through(Meeting, "delegates")
    m2m_topic = through(Topic, "suggestions")
    m2m_session = through(BallotSession, "suggestions")
    used_ids: set[int] = set()
    residents = encrypt("居民代表、楼栋长")  # one token for every synthetic meeting
    for _ in range(count):
        station = rng.choice(stations)
        kind = rng.choices(kinds, weights)[0]
        items = []
        if kind == Meeting.Kind.RATING:
            # Suggestions answered before the meeting, each rated at one session only.
            items = [(pk, at) for pk, at in answered.get(station, []) if pk not in used_ids][:6]
            if len(items) < 2:
                kind = Meeting.Kind.BRIEFING
                items = []
        if items:
            held_after = scale.local_date(max(at for _pk, at in items))
            date = held_after + datetime.timedelta(days=rng.randint(1, 30))
            if date >= scale.today:
                date = scale.today - datetime.timedelta(days=1)
            if date <= held_after:
                kind, items = Meeting.Kind.BRIEFING, []
        if not items:
            date = scale.today + datetime.timedelta(days=rng.randint(-3 * 365, 20))
        status = Meeting.Status.HELD if date < scale.today else Meeting.Status.PLANNED
        if status == Meeting.Status.HELD and not items and rng.random() < 0.03:
            status = Meeting.Status.CANCELLED
        pk = scale.ids.take(Meeting)
        staff = facts["staff_of_home"][info[station][2]]
        held = status == Meeting.Status.HELD
        meetings.append(
            (
                pk,
                kind,
                f"{date.year}年{date.month}月{TITLES[kind]}",
                station,
                scale.date(date),
                "09:30:00",
                "代表工作站议事室",
                staff,
                "社区党委书记、居委会主任",
                "街道城建办" if kind != Meeting.Kind.RATING else "",
                "小区物业服务中心" if kind == Meeting.Kind.BENCH else "",
                residents,
                "",
                "收集民意—确定议题—代表议事—跟踪落实",
                "围绕居民反映集中的问题逐一议事，明确责任单位和完成时限。" if held else "",
                status,
                scale.ts(scale.at(date, 9, 0) - 7 * 86400),
                None,
            )
        )
        pool = members[station]
        for delegate in rng.sample(pool, min(len(pool), rng.randint(1, 4))):
            attendees.append((scale.ids.take(m2m_delegates), pk, delegate))
        if items:
            used_ids.update(item for item, _at in items)
            voters = rng.randint(15, 40)
            session = scale.ids.take(BallotSession)
            opened = scale.at(date, 9, 40)
            sessions.append(
                (
                    session,
                    pk,
                    voters,
                    BallotSession.Status.CLOSED,
                    scale.ts(opened),
                    scale.ts(opened + 3600),
                    None,
                )
            )
            for item, _at in items:
                session_items.append((scale.ids.take(m2m_session), session, item))
            phone_voters = rng.randint(voters // 2, voters)
            for number in range(phone_voters):
                digest = hashlib.sha256(
                    f"{session}:{number}:{rng.getrandbits(64)}".encode()
                ).hexdigest()
                codes.append(
                    (
                        scale.ids.take(BallotCode),
                        session,
                        digest,
                        number < phone_voters - 2 or phone_voters < 3,
                    )
                )
            cast = sum(1 for c in codes[-phone_voters:] if c[3])
            for _voter in range(cast):
                ballot = _uuid(rng)
                ballots.append((ballot, session))
                for item, _at in items:
                    value = rng.choices(RatingValue.values, (80, 17, 3))[0]
                    marks.append((_uuid(rng), ballot, item, value))
            paper = voters - cast
            if paper > 0:
                for item, _at in items:
                    satisfied = rng.randint(paper * 2 // 3, paper)
                    basic = rng.randint(0, paper - satisfied)
                    tallies.append(
                        (
                            scale.ids.take(PaperTally),
                            session,
                            item,
                            satisfied,
                            basic,
                            paper - satisfied - basic,
                        )
                    )
        elif kind in (Meeting.Kind.BENCH, Meeting.Kind.COMMUNITY) and open_.get(station):
            chosen = [s for s in open_[station][:3]]
            topic = scale.ids.take(Topic)
            decided = held and rng.random() < 0.8
            topics.append(
                (
                    topic,
                    "居民反映集中的问题",
                    "居民在接待日和走访中多次反映。",
                    station,
                    pk,
                    "由责任单位限期整改，代表跟踪督办，结果在小区公示栏公开。" if decided else "",
                    Topic.Status.DELIBERATED if decided else Topic.Status.PROPOSED,
                    scale.ts(scale.at(date, 10, 0) - 3 * 86400),
                    None,
                )
            )
            for item in chosen:
                topic_items.append((scale.ids.take(m2m_topic), topic, item))
            if decided:
                due = date + datetime.timedelta(days=14)
                done = due if due < scale.today and rng.random() < 0.6 else None
                follow_ups.append(
                    (
                        scale.ids.take(FollowUp),
                        topic,
                        "现场查看并制定整改方案",
                        "街道城建办",
                        scale.date(due),
                        scale.date(done),
                        "已现场查看，整改方案已报街道。" if done else "",
                    )
                )
                follow_ups.append(
                    (
                        scale.ids.take(FollowUp),
                        topic,
                        "整改完成后回访居民",
                        "驻站代表",
                        scale.date(due + datetime.timedelta(days=16)),
                        None,
                        "",
                    )
                )
        scale.progress.advance()
    w = scale.writer
    w.write(Meeting, MEETING_COLUMNS, meetings)
    w.write(m2m_delegates, ["id", "meeting_id", "delegate_id"], attendees)
    w.write(
        Topic,
        [
            "id",
            "title",
            "description",
            "station_id",
            "meeting_id",
            "decision",
            "status",
            "created_at",
            "submission_key",
        ],
        topics,
    )
    w.write(m2m_topic, ["id", "topic_id", "suggestion_id"], topic_items)
    w.write(
        FollowUp,
        ["id", "topic_id", "description", "owner", "due_date", "done_at", "result"],
        follow_ups,
    )
    w.write(
        BallotSession,
        ["id", "meeting_id", "voters", "status", "opened_at", "closed_at", "issue_key"],
        sessions,
    )
    w.write(m2m_session, ["id", "ballotsession_id", "suggestion_id"], session_items)
    w.write(BallotCode, ["id", "session_id", "code_hash", "used"], codes)
    w.write(Ballot, ["id", "session_id"], ballots)
    w.write(BallotMark, ["id", "ballot_id", "suggestion_id", "value"], marks)
    w.write(
        PaperTally,
        ["id", "session_id", "suggestion_id", "satisfied", "basic", "unsatisfied"],
        tallies,
    )
