"""Ballot secrecy against whoever reads the tables or the access logs (issue 13, item 3).

Neither a ballot row's transaction id (PostgreSQL ``xmin``), nor its place in the table, nor
a log line may tie a ballot to the code that cast it.
"""

import importlib
import logging
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from dashboard.models import BallotRollup, NodeKind
from meetings import selectors, services
from meetings.models import Ballot, BallotCode, BallotMark, BallotSession, StagedBallot
from meetings.views import ballot_url
from tests.meetings.factories import BallotFactory, BallotSessionFactory

pytestmark = pytest.mark.django_db

VALUES = ("satisfied", "basic", "unsatisfied")


@pytest.fixture
def big_session(rating_meeting, items, station_staff_user):
    """30 voters, two items, codes issued: (session, plain codes, the two items in order)."""
    session = services.ballot_session_prepare(
        meeting=rating_meeting, actor=station_staff_user, suggestions=items, voters=30
    )
    plain = services.ballot_codes_issue(session=session, actor=station_staff_user)
    session.refresh_from_db()
    return session, plain, sorted(s.pk for s in items)


def _pattern(number):
    """The marks of the ``number``-th cast: nine different ballots, repeating."""
    return VALUES[number % 3], VALUES[(number // 3) % 3]


def _cast_all(session, plain, items):
    cast = []
    for number, code in enumerate(plain):
        pattern = _pattern(number)
        services.ballot_cast(
            session=session, code=code, marks=dict(zip(items, pattern, strict=True))
        )
        cast.append(pattern)
    return cast


def _counted_in_table_order(session, items):
    """The counted ballots as mark patterns, in the table's physical order."""
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    table = connection.ops.quote_name(Ballot._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE session_id = %s ORDER BY {order}",  # noqa: S608
            [session.pk],
        )
        ids = [Ballot._meta.pk.to_python(row[0]) for row in cursor.fetchall()]
    marks = {}
    for ballot_id, suggestion_id, value in BallotMark.objects.filter(
        ballot__session=session
    ).values_list("ballot_id", "suggestion_id", "value"):
        marks.setdefault(ballot_id, {})[suggestion_id] = value
    return [tuple(marks[ballot_id][item] for item in items) for ballot_id in ids]


def _xmins(model, **filters):
    table = connection.ops.quote_name(model._meta.db_table)
    where = " AND ".join(f"{name} = %s" for name in filters) or "TRUE"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT xmin::text FROM {table} WHERE {where}", list(filters.values()))  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


# --- the tables ------------------------------------------------------------------------------


def test_ballots_are_counted_in_an_order_that_is_not_the_cast_order(
    big_session, station_staff_user
):
    session, plain, items = big_session
    cast = _cast_all(session, plain, items)
    assert Ballot.objects.count() == 0 and StagedBallot.objects.count() == 30

    services.ballot_session_close(session=session, actor=station_staff_user)

    counted = _counted_in_table_order(session, items)
    assert Counter(counted) == Counter(cast), "every ballot counted once, as cast"
    # A random order of 30 ballots of 9 kinds equals the cast order with a chance of ~1e-24.
    assert counted != cast
    assert StagedBallot.objects.count() == 0


def test_the_shuffle_uses_the_systems_random_source(big_session, station_staff_user, monkeypatch):
    import secrets

    assert isinstance(services._shuffler, secrets.SystemRandom)
    shuffled = []
    monkeypatch.setattr(
        services._shuffler, "shuffle", lambda rows: (shuffled.append(len(rows)), rows.reverse())
    )
    session, plain, items = big_session
    cast = _cast_all(session, plain[:5], items)

    services.ballot_session_close(session=session, actor=station_staff_user)

    assert shuffled == [5]
    assert _counted_in_table_order(session, items) == cast[::-1], "written in shuffled order"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_counted_ballot_shares_a_transaction_id_with_a_spent_code(open_session):
    session, plain = open_session
    marks = {pk: "satisfied" for pk in session.suggestions.values_list("id", flat=True)}
    for code in plain[:3]:
        services.ballot_cast(session=session, code=code, marks=marks)
    spent = set(_xmins(BallotCode, session_id=session.pk, used=True))
    assert len(spent) == 3

    services.ballot_session_close(session=session, actor=session.meeting.organiser)

    ballots = set(_xmins(Ballot, session_id=session.pk))
    marked = {x for x in _xmins(BallotMark) if x}
    assert len(_xmins(Ballot, session_id=session.pk)) == 3
    assert not ballots & spent and not marked & spent
    assert len(ballots) == 1 and marked == ballots, "all written by the closing transaction"
    assert StagedBallot.objects.count() == 0
    assert _staged_tuples_on_disk() == 0, "the deleted staged rows were vacuumed away"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = %s",
            [StagedBallot._meta.db_table],
        )
        assert cursor.fetchone()[0], "VACUUM ran after the close committed"


def _staged_tuples_on_disk() -> int:
    """Tuples (live or dead) still in the staging table's pages, read with pageinspect."""
    table = StagedBallot._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute("SELECT pg_relation_size(%s) / current_setting('block_size')::int", [table])
        pages = cursor.fetchone()[0]
        found = 0
        for page in range(pages):
            cursor.execute(
                "SELECT count(*) FROM heap_page_items(get_raw_page(%s, %s)) "
                "WHERE t_xmin IS NOT NULL",
                [table, page],
            )
            found += cursor.fetchone()[0]
    return found


def test_results_and_rollups_after_closing_count_every_vote(
    client, big_session, station_staff_user
):
    session, plain, items = big_session
    _cast_all(session, plain[:10], items)  # first item: 4 satisfied, 3 basic, 3 unsatisfied
    services.ballot_paper_enter(
        session=session, actor=station_staff_user, totals={items[1]: (2, 0, 1)}
    )

    session = services.ballot_session_close(session=session, actor=station_staff_user)

    result = selectors.ballot_results(session)
    by_item = {item.suggestion.pk: item for item in result.items}
    assert result.ballots == 10
    assert (by_item[items[0]].satisfied, by_item[items[0]].basic) == (4, 3)
    assert by_item[items[0]].unsatisfied == 3
    # Second item: casts 0-2 satisfied, 3-5 basic, 6-8 unsatisfied, 9 satisfied; paper 2/0/1.
    assert (by_item[items[1]].satisfied, by_item[items[1]].basic) == (6, 3)
    assert by_item[items[1]].unsatisfied == 4
    station = BallotRollup.objects.get(kind=NodeKind.STATION, node=session.meeting.station_id)
    assert (station.satisfied, station.basic, station.unsatisfied) == (10, 6, 7)


def test_turnout_while_voting_runs_comes_from_the_spent_codes(big_session):
    session, plain, items = big_session
    _cast_all(session, plain[:4], items)

    assert selectors.session_turnout(session) == {"issued": 30, "used": 4}
    assert selectors.ballot_results(session) is None


# --- closing checks the ballots against the spent codes --------------------------------------


def test_a_session_whose_ballots_do_not_match_its_spent_codes_does_not_close(
    client, big_session, station_staff_user
):
    session, plain, items = big_session
    _cast_all(session, plain[:3], items)
    StagedBallot.objects.filter(pk=StagedBallot.objects.first().pk).delete()  # a lost ballot

    with pytest.raises(ValidationError) as refused:
        services.ballot_session_close(session=session, actor=station_staff_user)

    assert refused.value.code == "mismatch"
    message = refused.value.messages[0]
    assert "2" in message and "3" in message  # the ballots and the codes used, either language
    session.refresh_from_db()
    assert session.status == BallotSession.Status.OPEN
    assert StagedBallot.objects.count() == 2 and Ballot.objects.count() == 0, "nothing moved"
    assert not BallotRollup.objects.exists()

    client.force_login(station_staff_user)
    client.cookies["django_language"] = "en"
    answer = client.post(reverse("meetings:ballot_close", args=[session.meeting.pk]))
    page = client.get(answer["Location"]).content.decode()
    assert "do not match the ballot codes used" in page
    session.refresh_from_db()
    assert session.is_open


def test_a_ballot_without_a_spent_code_stops_the_close_too(big_session, station_staff_user):
    session, plain, items = big_session
    _cast_all(session, plain[:2], items)
    StagedBallot.objects.create(session=session, marks={str(pk): "satisfied" for pk in items})

    with pytest.raises(ValidationError) as refused:
        services.ballot_session_close(session=session, actor=station_staff_user)

    assert refused.value.code == "mismatch"
    assert BallotSession.objects.get(pk=session.pk).is_open


def test_a_staged_ballot_with_other_items_stops_the_close(big_session, station_staff_user):
    session, plain, items = big_session
    _cast_all(session, plain[:1], items)
    StagedBallot.objects.update(marks={str(items[0]): "satisfied"})

    with pytest.raises(ValidationError) as refused:
        services.ballot_session_close(session=session, actor=station_staff_user)

    assert refused.value.code == "mismatch"
    assert Ballot.objects.count() == 0


# --- the logs --------------------------------------------------------------------------------


def test_no_request_of_a_vote_carries_the_code_in_its_path_or_query_or_a_log_line(
    client, big_session, caplog
):
    """What an access log writes (method, path, query) and Django's request log (every 4xx)
    hold no code, over a whole vote: a scan, a missing item, the cast, a second try."""
    session, plain, items = big_session
    code = plain[0]
    requests = []

    def record(response):
        requests.append(f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}")
        requests.append(response.request.get("QUERY_STRING", ""))
        requests.append(response.get("Location", ""))
        return response

    scanned = urlsplit(ballot_url(session, code))
    path, fragment = scanned.path, scanned.fragment
    assert fragment == code and code not in path and not scanned.query
    vote = reverse("meetings:ballot", args=[session.pk])
    marks = {f"item_{pk}": "basic" for pk in items}
    with caplog.at_level(logging.DEBUG):
        assert record(client.get(path)).status_code == 200
        assert record(client.post(path, {"code": fragment})).status_code == 200
        missing = {"code": code, f"item_{items[0]}": "basic"}
        assert record(client.post(vote, missing)).status_code == 400
        assert record(client.post(vote, {"code": code, **marks})).status_code == 302
        assert record(client.post(vote, {"code": code, **marks})).status_code == 409
        assert record(client.post(path, {"code": code})).status_code == 409
        assert record(client.post(path, {"code": code[:-1] + "Z"})).status_code in (404, 409)

    assert caplog.records, "the 4xx answers were logged"
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert code not in logged
    assert not any(code in line for line in requests), requests


# --- the migration re-writes the ballots already stored --------------------------------------


def test_the_migration_rewrites_stored_ballots_so_none_keeps_its_row(items):
    migration = importlib.import_module("meetings.migrations.0003_ballot_staging")
    closed = BallotSessionFactory(status=BallotSession.Status.CLOSED)
    running = BallotSessionFactory(status=BallotSession.Status.OPEN)
    first, second = sorted(s.pk for s in items)
    for session, count in ((closed, 6), (running, 2)):
        for number in range(count):
            ballot = BallotFactory(session=session)
            BallotMark.objects.create(ballot=ballot, suggestion_id=first, value=VALUES[number % 3])
            BallotMark.objects.create(ballot=ballot, suggestion_id=second, value="basic")
    old = set(Ballot.objects.values_list("id", flat=True))
    old_marks = set(BallotMark.objects.values_list("id", flat=True))
    before = Counter(
        BallotMark.objects.filter(ballot__session=closed).values_list("suggestion_id", "value")
    )

    migration.rewrite_ballots(apps, None)

    assert Ballot.objects.filter(session=closed).count() == 6
    assert not set(Ballot.objects.values_list("id", flat=True)) & old
    assert not set(BallotMark.objects.values_list("id", flat=True)) & old_marks
    after = Counter(
        BallotMark.objects.filter(ballot__session=closed).values_list("suggestion_id", "value")
    )
    assert after == before
    assert not Ballot.objects.filter(session=running).exists()
    staged = list(StagedBallot.objects.filter(session=running).values_list("marks", flat=True))
    assert sorted(m[str(first)] for m in staged) == ["basic", "satisfied"]
    assert all(m[str(second)] == "basic" for m in staged)
