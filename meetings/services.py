"""Every write of meetings, topics, follow-ups and the secret ballot.

Each function checks the actor's right itself (the office, or staff of the meeting's station),
validates, writes in one transaction and records an audit event. The ballot keeps SECURITY.md 20:
codes are stored hashed; a cast flips its code with a conditional UPDATE that must touch exactly
one row, in the transaction that stores the ballot; the ballot row carries no code, person, IP
or time, and nothing about a single cast is logged or audited.

A cast ballot waits in ``StagedBallot`` until the session closes: a row written by the cast's
transaction shares that transaction's id (PostgreSQL ``xmin``) with the code row it spent and
lies after the ballots cast before it. Closing moves all of them at once, shuffled, into the
counted ``Ballot`` rows, so every counted row has the closing transaction's id and a random
place; the staged rows are deleted and, on PostgreSQL, vacuumed right after the commit.
"""

import datetime
import logging
import secrets
import uuid
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils.translation import gettext

from accounts.services import audit_record
from congress_portal import events
from congress_portal.clock import now, today
from suggestions.models import RatingValue, State, Suggestion

from . import codes
from .events import BALLOT_SESSION_CLOSED
from .models import (
    Ballot,
    BallotCode,
    BallotMark,
    BallotSession,
    FollowUp,
    Meeting,
    PaperTally,
    StagedBallot,
    Topic,
)
from .selectors import can_edit_station

logger = logging.getLogger(__name__)

# The order counted ballots are written in. The OS's CSPRNG: a seeded PRNG's order could be
# replayed by whoever guesses the seed. Tests may swap in a seeded ``random.Random``.
_shuffler = secrets.SystemRandom()

MEETING_FIELDS = (
    "kind",
    "title",
    "date",
    "start_time",
    "place",
    "status",
    "committee_members",
    "unit_representatives",
    "property_companies",
    "resident_representatives",
    "other_participants",
    "agenda",
    "minutes",
)


class NotAllowed(PermissionDenied):
    """The actor may not write here. Carries a translated message."""


def _require_editor(actor, station_id: int) -> None:
    if not can_edit_station(actor, station_id):
        raise NotAllowed(
            gettext("Only the staff of this station or the congress office may do this.")
        )


def _check_delegates(delegates, station) -> list:
    delegates = list(delegates)
    stationed = set(station.delegates.values_list("id", flat=True)) if delegates else set()
    strangers = [d.name for d in delegates if d.pk not in stationed]
    if strangers:
        raise ValidationError(
            {
                "delegates": gettext("Not stationed at %(station)s: %(names)s.")
                % {"station": station.name, "names": "、".join(strangers)}
            }
        )
    return delegates


# --- meetings --------------------------------------------------------------------------------


def meeting_create(
    *,
    actor,
    station,
    kind: str,
    title: str,
    date: datetime.date,
    delegates: Iterable = (),
    submission_key: uuid.UUID | None = None,
    **fields,
) -> Meeting:
    """A new meeting of ``station``. The same ``submission_key`` twice returns the first one."""
    _require_editor(actor, station.pk)
    if submission_key is not None:
        existing = Meeting.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    try:
        with transaction.atomic():
            meeting = Meeting(
                station=station,
                kind=kind,
                title=title.strip(),
                date=date,
                organiser=actor,
                submission_key=submission_key,
                created_at=now(),
                **fields,
            )
            meeting.full_clean()
            meeting.save()
            meeting.delegates.set(_check_delegates(delegates, station))
            audit_record(action="meeting.create", actor=actor, obj=meeting)
            return meeting
    except IntegrityError:
        if submission_key is not None:
            existing = Meeting.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return existing
        raise


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, actor, delegates: Iterable | None = None, **fields
) -> Meeting:
    """Change a meeting's facts, participants, agenda or minutes (not its station)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_editor(actor, meeting.station_id)
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"unknown meeting fields: {sorted(unknown)}")
    if (
        fields.get("kind", meeting.kind) != Meeting.Kind.RATING
        and BallotSession.objects.filter(meeting=meeting).exists()
    ):
        raise ValidationError(
            {
                "kind": gettext(
                    "This meeting has a secret ballot; it stays a voters' rating meeting."
                )
            }
        )
    changed = sorted(name for name, value in fields.items() if getattr(meeting, name) != value)
    for name, value in fields.items():
        setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    meeting.full_clean()
    meeting.save()
    if delegates is not None:
        meeting.delegates.set(_check_delegates(delegates, meeting.station))
    audit_record(action="meeting.update", actor=actor, obj=meeting, detail={"fields": changed})
    return meeting


# --- topics and follow-ups -------------------------------------------------------------------


def _station_suggestions(meeting: Meeting, suggestions: Iterable[Suggestion]) -> list[Suggestion]:
    ids = {s.pk for s in suggestions}
    found = list(
        Suggestion.objects.filter(pk__in=ids, station_id=meeting.station_id).exclude(
            state=State.MERGED
        )
    )
    if not ids:
        raise ValidationError(
            {"suggestions": gettext("Choose at least one suggestion for the topic.")}
        )
    if len(found) != len(ids):
        raise ValidationError(
            {
                "suggestions": gettext(
                    "Only suggestions made to this meeting's station can be chosen."
                )
            }
        )
    return found


def topic_create(
    *,
    meeting: Meeting,
    actor,
    title: str,
    suggestions: Iterable[Suggestion],
    description: str = "",
    submission_key: uuid.UUID | None = None,
) -> Topic:
    """确定议题: group suggestions of the meeting's station into a topic on its agenda."""
    _require_editor(actor, meeting.station_id)
    if submission_key is not None:
        existing = Topic.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            chosen = _station_suggestions(meeting, suggestions)
            topic = Topic(
                meeting=meeting,
                station_id=meeting.station_id,
                title=title.strip(),
                description=description.strip(),
                submission_key=submission_key,
                created_at=now(),
            )
            topic.full_clean()
            topic.save()
            topic.suggestions.set(chosen)
            audit_record(
                action="topic.create",
                actor=actor,
                obj=topic,
                detail={"meeting": meeting.pk, "suggestions": sorted(s.pk for s in chosen)},
            )
            return topic
    except IntegrityError:
        if submission_key is not None:
            existing = Topic.objects.filter(submission_key=submission_key).first()
            if existing is not None:
                return existing
        raise


@transaction.atomic
def topic_update(
    *, topic: Topic, actor, title: str, description: str, suggestions: Iterable[Suggestion]
) -> Topic:
    """Rename a topic, or change which suggestions it groups."""
    topic = Topic.objects.select_for_update().select_related("meeting").get(pk=topic.pk)
    _require_editor(actor, topic.station_id)
    chosen = _station_suggestions(topic.meeting, suggestions)
    topic.title = title.strip()
    topic.description = description.strip()
    topic.full_clean()
    topic.save()
    topic.suggestions.set(chosen)
    audit_record(action="topic.update", actor=actor, obj=topic)
    return topic


@transaction.atomic
def topic_decide(*, topic: Topic, actor, decision: str) -> Topic:
    """代表议事: record what the meeting decided on a topic."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    _require_editor(actor, topic.station_id)
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": gettext("Write down what the meeting decided.")})
    topic.decision = decision
    if topic.status == Topic.Status.PROPOSED:
        topic.status = Topic.Status.DELIBERATED
    topic.full_clean()
    topic.save(update_fields=["decision", "status"])
    audit_record(action="topic.decide", actor=actor, obj=topic)
    return topic


@transaction.atomic
def follow_up_add(
    *, topic: Topic, actor, description: str, owner: str, due_date: datetime.date
) -> FollowUp:
    """跟踪落实: one thing to be done after a decision, with who does it and by when."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    _require_editor(actor, topic.station_id)
    if not topic.decision:
        raise ValidationError(gettext("Record the decision before adding follow-ups."))
    follow_up = FollowUp(
        topic=topic, description=description.strip(), owner=owner.strip(), due_date=due_date
    )
    follow_up.full_clean()
    follow_up.save()
    if topic.status == Topic.Status.DONE:  # a new task reopens a finished topic
        topic.status = Topic.Status.DELIBERATED
        topic.save(update_fields=["status"])
    audit_record(action="follow_up.add", actor=actor, obj=follow_up, detail={"topic": topic.pk})
    return follow_up


@transaction.atomic
def follow_up_done(*, follow_up: FollowUp, actor, note: str) -> FollowUp:
    """Mark a follow-up done with a note; the topic is carried out when none is left open."""
    follow_up = FollowUp.objects.select_for_update().select_related("topic").get(pk=follow_up.pk)
    topic = follow_up.topic
    _require_editor(actor, topic.station_id)
    if follow_up.done_at is not None:
        raise ValidationError(gettext("This follow-up is already done."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"result": gettext("Say briefly what was done.")})
    follow_up.done_at = today()
    follow_up.result = note
    follow_up.full_clean()
    follow_up.save(update_fields=["done_at", "result"])
    if not topic.follow_ups.filter(done_at__isnull=True).exists():
        topic.status = Topic.Status.DONE
        topic.save(update_fields=["status"])
    audit_record(action="follow_up.done", actor=actor, obj=follow_up, detail={"topic": topic.pk})
    return follow_up


# --- the secret ballot (选民评单会) -----------------------------------------------------------


def _lock_session(session: BallotSession) -> BallotSession:
    return (
        BallotSession.objects.select_for_update(of=("self",))
        .select_related("meeting")
        .get(pk=session.pk)
    )


@transaction.atomic
def ballot_session_prepare(
    *, meeting: Meeting, actor, suggestions: Iterable[Suggestion], voters: int
) -> BallotSession:
    """Choose what a rating meeting votes on and how many voters come; changeable until
    codes are issued."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require_editor(actor, meeting.station_id)
    if meeting.kind != Meeting.Kind.RATING:
        raise ValidationError(gettext("Only a voters' rating meeting holds a secret ballot."))
    session = BallotSession.objects.filter(meeting=meeting).first()
    if session is not None and session.status != BallotSession.Status.DRAFT:
        raise ValidationError(
            gettext("Voting has started: the items and the number of voters can no longer change.")
        )
    ids = {s.pk for s in suggestions}
    chosen = list(
        Suggestion.objects.filter(
            pk__in=ids, station_id=meeting.station_id, state__in=[State.REPLIED, State.CLOSED]
        )
    )
    if not ids:
        raise ValidationError({"suggestions": gettext("Choose at least one suggestion to rate.")})
    if len(chosen) != len(ids):
        raise ValidationError(
            {
                "suggestions": gettext(
                    "Only replied or closed suggestions of this meeting's station can be rated."
                )
            }
        )
    created = session is None
    if created:
        session = BallotSession(meeting=meeting)
    session.voters = voters
    session.full_clean(exclude=["meeting"] if created else None)
    session.save()
    session.suggestions.set(chosen)
    audit_record(
        action="ballot.prepare",
        actor=actor,
        obj=session,
        detail={"voters": voters, "items": len(chosen), "created": created},
    )
    return session


def ballot_codes_issue(
    *, session: BallotSession, actor, issue_key: uuid.UUID | None = None
) -> list[str]:
    """Issue one-time codes for the voters still to vote and open the vote; returns the plain
    codes, which exist nowhere else: the caller prints them now and forgets them.

    Issuing again (the sheet was lost) deletes every unused code first, so that the lost slips
    are worthless, and issues codes only for the voters who have not voted. A repeat of the
    same ``issue_key`` (a reloaded sheet) issues nothing and raises.
    """
    with transaction.atomic():
        session = _lock_session(session)
        _require_editor(actor, session.meeting.station_id)
        if session.status == BallotSession.Status.CLOSED:
            raise ValidationError(gettext("Voting has closed; no codes can be issued."))
        if issue_key is not None and session.issue_key == issue_key:
            raise ValidationError(
                gettext(
                    "These codes were already issued and shown once. If the printed sheet is "
                    "lost, issue new codes."
                ),
                code="already_issued",
            )
        if not session.suggestions.exists():
            raise ValidationError(gettext("Choose the suggestions to be rated first."))
        reissue = session.codes.exists()
        revoked, _ = session.codes.filter(used=False).delete()
        used = session.codes.filter(used=True).count()
        wanted = session.voters - used
        if wanted <= 0:
            raise ValidationError(gettext("Every voter has already voted; no codes are needed."))
        plain: list[str] = []
        hashes: set[str] = set()
        while len(plain) < wanted:
            code = codes.new_code()
            digest = codes.hash_code(code)
            if digest not in hashes:
                hashes.add(digest)
                plain.append(code)
        # Rows in hash order, not slip order: a code's row id says nothing about its slip.
        BallotCode.objects.bulk_create(
            [BallotCode(session=session, code_hash=digest) for digest in sorted(hashes)]
        )
        fields = ["issue_key"]
        session.issue_key = issue_key
        if session.status == BallotSession.Status.DRAFT:
            session.status = BallotSession.Status.OPEN
            session.opened_at = now()
            fields += ["status", "opened_at"]
        session.save(update_fields=fields)
        audit_record(
            action="ballot.reissue_codes" if reissue else "ballot.issue_codes",
            actor=actor,
            obj=session,
            detail={"issued": wanted, "revoked": revoked, "used_before": used},
        )
    return plain


class BallotRefused(ValidationError):
    """A code that cannot vote. ``code`` says why: unknown, used, foreign, closed."""


def refusal_message(reason: str) -> str:
    messages = {
        "unknown": gettext("This ballot code is not valid. Check the code printed on your slip."),
        "used": gettext("This ballot code has already been used. Each code votes once."),
        "foreign": gettext(
            "This ballot code belongs to another meeting's vote. Use the slip you were given "
            "at this meeting."
        ),
        "closed": gettext("Voting at this meeting has closed. Thank you for coming."),
        "not_open": gettext("Voting at this meeting has not started yet."),
    }
    return messages[reason]


def _refuse(reason: str):
    raise BallotRefused(refusal_message(reason), code=reason)


def ballot_check_code(*, session: BallotSession, code: str) -> None:
    """Raise BallotRefused unless ``code`` (canonical) may still vote in ``session``."""
    found = None
    if code:
        found = BallotCode.objects.filter(code_hash=codes.hash_code(code)).first()
    if found is None:
        _refuse("unknown")
    if found.session_id != session.pk:
        _refuse("foreign")
    if session.status == BallotSession.Status.CLOSED:
        _refuse("closed")
    if session.status != BallotSession.Status.OPEN:
        _refuse("not_open")
    if found.used:
        _refuse("used")


def ballot_cast(*, session: BallotSession, code: str, marks: Mapping[int, str]) -> None:
    """Cast one secret ballot: ``marks`` rates every item of the session once.

    The code is spent by a conditional UPDATE that must touch exactly one row, in the same
    transaction that stores the ballot (staged until the session closes, see the module's
    docstring); a second cast of the code (or twenty at once) finds no unused row and stores
    nothing. The session row is locked so that closing waits for casts in flight. The ballot
    carries no code, person, IP or time (a random key), and nothing here writes a log line or
    an audit event.
    """
    canonical = codes.normalise_code(code)
    with transaction.atomic():
        session = BallotSession.objects.select_for_update().get(pk=session.pk)
        ballot_check_code(session=session, code=canonical)
        items = set(session.suggestions.values_list("id", flat=True))
        if set(marks) != items or any(v not in RatingValue.values for v in marks.values()):
            raise ValidationError(gettext("Rate every item once before you submit."))
        spent = BallotCode.objects.filter(
            session_id=session.pk,
            code_hash=codes.hash_code(canonical),
            used=False,
        ).update(used=True)
        if spent != 1:
            _refuse("used")
        StagedBallot.objects.create(
            session_id=session.pk, marks={str(item): value for item, value in marks.items()}
        )


@transaction.atomic
def ballot_paper_enter(
    *, session: BallotSession, actor, totals: Mapping[int, tuple[int, int, int]]
) -> BallotSession:
    """Enter (or correct) the aggregated paper totals per item: (satisfied, basic, unsatisfied).
    Possible until the session is closed; online and paper results are added up."""
    session = _lock_session(session)
    _require_editor(actor, session.meeting.station_id)
    if session.status == BallotSession.Status.CLOSED:
        raise ValidationError(gettext("Voting has closed; the totals can no longer change."))
    items = set(session.suggestions.values_list("id", flat=True))
    if not set(totals) <= items:
        raise ValidationError(gettext("Paper totals can be entered only for the items voted on."))
    for item, (satisfied, basic, unsatisfied) in totals.items():
        if min(satisfied, basic, unsatisfied) < 0:
            raise ValidationError(gettext("A total cannot be negative."))
        if satisfied + basic + unsatisfied > session.voters:
            raise ValidationError(
                gettext("An item cannot have more paper votes than the %(voters)d voters.")
                % {"voters": session.voters}
            )
        PaperTally.objects.update_or_create(
            session=session,
            suggestion_id=item,
            defaults={"satisfied": satisfied, "basic": basic, "unsatisfied": unsatisfied},
        )
    audit_record(
        action="ballot.paper_totals", actor=actor, obj=session, detail={"items": len(totals)}
    )
    return session


class BallotMismatch(ValidationError):
    """The ballots to count do not match the codes spent: the session is not closed."""


def _count_staged_ballots(session: BallotSession, items: set[int]) -> int:
    """Move the session's staged ballots, shuffled, into counted ballots and marks; return how
    many ballots the session now has. Runs in the closing transaction, the session locked."""
    staged = list(
        StagedBallot.objects.filter(session_id=session.pk).values_list("marks", flat=True)
    )
    wanted = {str(item) for item in items}
    for marks in staged:
        if set(marks) != wanted or not set(marks.values()) <= set(RatingValue.values):
            raise BallotMismatch(
                gettext(
                    "A stored ballot does not rate exactly the items of this vote, so the "
                    "votes cannot be counted. Voting stays open; ask the system administrator."
                ),
                code="mismatch",
            )
    _shuffler.shuffle(staged)
    ballots = [Ballot(session_id=session.pk) for _ in staged]
    # One transaction, in the shuffled order: every row gets the closing transaction's id and
    # a place that says nothing about when it was cast. Fresh keys, not the staged ones.
    Ballot.objects.bulk_create(ballots, batch_size=2000)
    BallotMark.objects.bulk_create(
        [
            BallotMark(ballot=ballot, suggestion_id=int(item), value=value)
            for ballot, marks in zip(ballots, staged, strict=True)
            for item, value in sorted(marks.items())
        ],
        batch_size=2000,
    )
    StagedBallot.objects.filter(session_id=session.pk).delete()
    return Ballot.objects.filter(session_id=session.pk).count()


def _vacuum_staged_ballots() -> None:
    """After a close commits: on PostgreSQL, VACUUM the staging table, so that the deleted
    staged rows (whose ``xmin`` is their cast's, the same as their code's) are gone from the
    table's pages and not merely invisible. VACUUM cannot run inside a transaction: skipped
    when the close ran inside an outer one (the test suite's; autovacuum follows anyway).
    SQLite keeps no row transaction ids; its deleted rows are out of reach of SQL at once
    (their bytes may linger in free pages until reused)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    table = connection.ops.quote_name(StagedBallot._meta.db_table)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {table}")
    except DatabaseError:
        # The vote is closed and counted; autovacuum removes the rows later.
        logger.warning("VACUUM of %s after closing a ballot failed", table, exc_info=True)


@transaction.atomic
def ballot_session_close(*, session: BallotSession, actor) -> BallotSession:
    """Close the vote: unused codes stop working, the staged ballots are counted (moved,
    shuffled, into ``Ballot``) and the results become visible.

    The ballots counted must equal the codes spent, one for one; otherwise nothing changes,
    the session stays open and ``BallotMismatch`` says so (a spent code without its ballot,
    or the reverse, would be a broken vote: it needs a person to look, not a silent close).
    """
    session = _lock_session(session)
    _require_editor(actor, session.meeting.station_id)
    if session.status == BallotSession.Status.CLOSED:
        raise ValidationError(gettext("Voting has already closed."))
    items = set(session.suggestions.values_list("id", flat=True))
    if not items:
        raise ValidationError(gettext("Choose the suggestions to be rated first."))
    counted = _count_staged_ballots(session, items)
    used = session.codes.filter(used=True).count()
    if counted != used:
        logger.error(
            "ballot session %s not closed: %d ballots for %d spent codes",
            session.pk,
            counted,
            used,
        )
        raise BallotMismatch(
            gettext(
                "The ballots (%(ballots)d) do not match the ballot codes used (%(used)d), so "
                "the votes cannot be counted. Voting stays open; ask the system administrator."
            )
            % {"ballots": counted, "used": used},
            code="mismatch",
        )
    session.status = BallotSession.Status.CLOSED
    session.closed_at = now()
    session.save(update_fields=["status", "closed_at"])
    # The counted ballots exist now: the subscribers (dashboard rollups) count them.
    events.publish(BALLOT_SESSION_CLOSED, session=session)
    transaction.on_commit(_vacuum_staged_ballots)
    audit_record(
        action="ballot.close",
        actor=actor,
        obj=session,
        detail={"codes_used": used, "codes_issued": session.codes.count()},
    )
    return session
