# ruff: noqa: S608 — the SQL here is built from model metadata and choices only; every value
# travels as a parameter.
"""Figures kept in step with the loop: every event of a suggestion passes through here, inside
the transaction that records it (``suggestions.events`` publishes it; ``DashboardConfig.ready``
subscribes ``on_event``).

Each suggestion contributes a vector of counters (``SuggestionFigures``) to exactly one row of
``SuggestionRollup`` — the row of its submission month, station, category, channel and
*current* handling unit — plus one to the gauge of its current state; and the same to four rows
of ``AreaRollup`` (all, its category, its channel, its unit) for every area above the
grassroots that holds its station. An event adds to the vector; a change of state moves the
gauge; a change of unit moves the whole vector to the new unit's rows.

Rows change with one ``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` per table and
event, rows in key order: two transitions at once never lose a count (the database serialises
the updates of a row, and a row created by both is inserted once), and never deadlock on each
other's rows (both lock them in the same order).
"""

import datetime
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from congress_portal.clock import today
from stations.models import Region, Station
from suggestions.models import WITH_UNIT_STATES, Suggestion, SuggestionEvent, Verb

from .models import (
    COUNTERS,
    GAUGES,
    OVERDUE,
    AreaRollup,
    BallotRollup,
    NodeKind,
    ReceptionRollup,
    SuggestionFigures,
    SuggestionRollup,
)

REPLY_VERBS = frozenset({Verb.HANDLE_ON_SPOT, Verb.EXPLAIN, Verb.PUBLISH})
# Every area but the grassroots: a community's figures are its one or two stations'.
AREA_KINDS = frozenset(Region.Kind.values) - {Region.Kind.COMMUNITY, Region.Kind.VILLAGE}
VALUES = (*COUNTERS, *GAUGES.values(), OVERDUE)
Dim = AreaRollup.Dimension


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    if moment is None:
        return None
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def event_delta(
    *,
    verb: str,
    data: dict,
    created_at: datetime.datetime,
    submitted_at: datetime.datetime,
    dispatched_at: datetime.datetime | None,
) -> dict[str, int]:
    """What one event adds to its suggestion's counters (``reopened`` is a 0/1 flag: set)."""
    day = _local_date(created_at)
    if verb == Verb.SUBMIT:
        return {"received": 1}
    if verb in REPLY_VERBS:
        return {"replies": 1, "reply_days": (day - _local_date(submitted_at)).days}
    if verb == Verb.UNIT_REPLY:
        dispatched = _local_date(dispatched_at) or day
        return {
            "unit_replies": 1,
            "unit_on_time": 1 if data.get("on_time") else 0,
            "unit_days": (day - dispatched).days,
        }
    if verb == Verb.RATE:
        return {f"rated_{data.get('rating', 'satisfied')}": 1}
    if verb == Verb.REOPEN:
        return {"rated_unsatisfied": 1, "reopened": 1}
    # Supports: what Suggestion.supporter_count holds, moved along by a merge.
    if verb == Verb.SUPPORT:
        return {"supports": 1}
    if verb == Verb.ABSORB:
        return {"supports": int(data.get("supporters", 0))}
    if verb == Verb.MERGE:
        return {"supports": -int(data.get("supporters_moved", 0))}
    return {}


def is_overdue(state: str, deadline: datetime.date | None, on: datetime.date) -> bool:
    """With a unit and past the deadline on ``on`` (as ``Suggestion.is_overdue`` says today)."""
    return state in WITH_UNIT_STATES and deadline is not None and deadline < on


def _combine(old: dict[str, int], delta: dict[str, int]) -> dict[str, int]:
    new = {name: old.get(name, 0) + delta.get(name, 0) for name in COUNTERS}
    new["reopened"] = 1 if (old.get("reopened") or delta.get("reopened")) else 0
    return new


# --- where a suggestion counts ------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """The rows one suggestion counts in, but for its unit."""

    month: datetime.date
    station_id: int
    category_id: int
    channel: str
    area_ids: tuple[int, ...]


def area_ids_of_station(station_id: int) -> tuple[int, ...]:
    """The areas above the grassroots that hold ``station_id``: its area and those above."""
    path = Station.objects.filter(pk=station_id).values_list("region__path", flat=True).first()
    ids = [int(part) for part in (path or "").strip("/").split("/") if part]
    return tuple(
        sorted(Region.objects.filter(pk__in=ids, kind__in=AREA_KINDS).values_list("pk", flat=True))
    )


def _place(suggestion: Suggestion) -> Place:
    return Place(
        month=suggestion.submitted_month,
        station_id=suggestion.station_id,
        category_id=suggestion.category_id,
        channel=suggestion.channel,
        area_ids=area_ids_of_station(suggestion.station_id),
    )


def _dimensions(place: Place, unit_key: int) -> list[tuple[str, datetime.date, str]]:
    """(dimension, month, key) of the area rows a suggestion counts in."""
    month = place.month
    dims = [
        (Dim.ALL, month, ""),
        (Dim.CATEGORY, month, str(place.category_id)),
        (Dim.CHANNEL, month, place.channel),
    ]
    if unit_key:
        dims.append((Dim.UNIT, month, str(unit_key)))
        dims.append((Dim.UNIT_YEAR, month.replace(month=1), str(unit_key)))
    return dims


# --- writing -------------------------------------------------------------------------------------


def _upsert(
    model, key_columns: list[str], rows: dict[tuple, dict[str, int]], values=VALUES
) -> None:
    """Add each row's values to the row of its key, inserting it when it is not there yet.

    One statement for all rows, in key order (see the module's docstring).
    """
    rows = {key: row for key, row in rows.items() if any(row.values())}
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    conflict = [column for column in key_columns if column != "unit_id"]
    columns = [*key_columns, *values]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES {', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({', '.join(qn(c) for c in conflict)}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in values)
    )
    params = []
    for key in sorted(rows):
        params.extend(key)
        params.extend(rows[key].get(name, 0) for name in values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


FINE_KEY = ["month", "station_id", "category_id", "channel", "unit_key", "unit_id"]
AREA_KEY = ["area_id", "dimension", "month", "key"]


def _apply(place: Place, moves: list[tuple[int, dict[str, int]]]) -> None:
    """Add each (unit key, values) of ``moves`` to the suggestion's rows under that unit."""
    fine: dict[tuple, dict[str, int]] = {}
    areas: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VALUES, 0))
    for unit_key, values in moves:
        key = (place.month, place.station_id, place.category_id, place.channel, unit_key)
        fine[(*key, unit_key or None)] = values
        for dimension, month, dim_key in _dimensions(place, unit_key):
            for area_id in place.area_ids:
                row = areas[(area_id, dimension, month, dim_key)]
                for name, value in values.items():
                    row[name] += value
    _upsert(SuggestionRollup, FINE_KEY, fine)
    _upsert(AreaRollup, AREA_KEY, areas)


def _gauges(state: str, overdue: bool, sign: int = 1) -> dict[str, int]:
    return {GAUGES[state]: sign, OVERDUE: sign if overdue else 0}


def _move(suggestion: Suggestion, figures: SuggestionFigures | None, new: dict, overdue: bool):
    """Move the suggestion's contribution from what ``figures`` holds to ``new`` counters,
    its current state, unit and overdue flag; then keep ``figures`` in step."""
    state = suggestion.state
    unit_key = suggestion.handling_unit_id or 0
    if figures is None:
        _apply(_place(suggestion), [(unit_key, {**new, **_gauges(state, overdue)})])
        SuggestionFigures.objects.create(
            suggestion_id=suggestion.pk, unit_key=unit_key, state=state, overdue=overdue, **new
        )
        return
    old = {name: getattr(figures, name) for name in COUNTERS}
    if (new, state, unit_key, overdue) == (old, figures.state, figures.unit_key, figures.overdue):
        return  # an annotation (urge, extension, reassign…): no figure moves
    if figures.unit_key == unit_key:
        changes = {name: new[name] - old[name] for name in COUNTERS}
        for name, value in _gauges(figures.state, figures.overdue, -1).items():
            changes[name] = changes.get(name, 0) + value
        for name, value in _gauges(state, overdue).items():
            changes[name] = changes.get(name, 0) + value
        moves = [(unit_key, changes)]
    else:
        # Another unit now: the suggestion takes all of its figures to the new unit's rows.
        moves = [
            (
                figures.unit_key,
                {
                    **{name: -value for name, value in old.items()},
                    **_gauges(figures.state, figures.overdue, -1),
                },
            ),
            (unit_key, {**new, **_gauges(state, overdue)}),
        ]
    _apply(_place(suggestion), moves)
    SuggestionFigures.objects.filter(pk=suggestion.pk).update(
        unit_key=unit_key, state=state, overdue=overdue, **new
    )


def on_event(event: SuggestionEvent) -> None:
    """Apply one suggestion event to the rollups."""
    suggestion = event.suggestion
    delta = event_delta(
        verb=event.verb,
        data=event.data or {},
        created_at=event.created_at,
        submitted_at=suggestion.submitted_at,
        dispatched_at=suggestion.dispatched_at,
    )
    figures = SuggestionFigures.objects.filter(pk=suggestion.pk).first()
    old = {name: getattr(figures, name) for name in COUNTERS} if figures else {}
    overdue = is_overdue(suggestion.state, suggestion.deadline, today())
    _move(suggestion, figures, _combine(old, delta), overdue)


def refresh_overdue(*, on: datetime.date | None = None) -> int:
    """Count as overdue every suggestion whose deadline has passed since its last step (the
    calendar moves it, no event does); returns how many moved. Run hourly by the scheduler, and
    safe to run at any time: each suggestion is locked as the loop's services lock it."""
    on = on or today()
    due = SuggestionFigures.objects.filter(
        overdue=False,
        suggestion__state__in=WITH_UNIT_STATES,
        suggestion__deadline__lt=on,
    ).values_list("pk", flat=True)
    moved = 0
    for pk in list(due):
        with transaction.atomic():
            suggestion = Suggestion.objects.select_for_update(of=("self",)).get(pk=pk)
            figures = SuggestionFigures.objects.get(pk=pk)
            if figures.overdue or not is_overdue(suggestion.state, suggestion.deadline, on):
                continue
            counters = {name: getattr(figures, name) for name in COUNTERS}
            _move(suggestion, figures, counters, True)
            moved += 1
    return moved


# --- reception days and ballots -----------------------------------------------------------------

NODE_KEY = ["kind", "node", "month"]
RECEPTION_VALUES = ("days_held", "visitors")
BALLOT_VALUES = ("satisfied", "basic", "unsatisfied")


def _station_nodes(station_id: int) -> list[tuple[str, int]]:
    return [(NodeKind.STATION, station_id)] + [
        (NodeKind.AREA, area_id) for area_id in area_ids_of_station(station_id)
    ]


def on_reception_log(*, day, was_held: bool, old_visitors: int) -> None:
    """A reception day logged (or its log corrected): its station's and areas' figures."""
    changes = {"days_held": 0 if was_held else 1, "visitors": (day.visitors or 0) - old_visitors}
    month = day.date.replace(day=1)
    rows = {(kind, node, month): changes for kind, node in _station_nodes(day.station_id)}
    _upsert(ReceptionRollup, NODE_KEY, rows, RECEPTION_VALUES)


def _ballot_totals(session_ids) -> dict[int, dict[str, int]]:
    """Votes per suggestion of closed sessions: phone ballots and paper tallies together."""
    from meetings.models import BallotMark, PaperTally

    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BALLOT_VALUES, 0))
    marks = (
        BallotMark.objects.filter(ballot__session_id__in=session_ids)
        .values_list("suggestion_id", "value")
        .annotate(n=Count("*"))
        .order_by()
    )
    for suggestion_id, value, n in marks:
        totals[suggestion_id][value] += n
    for suggestion_id, *votes in PaperTally.objects.filter(session_id__in=session_ids).values_list(
        "suggestion_id", *BALLOT_VALUES
    ):
        for name, n in zip(BALLOT_VALUES, votes, strict=True):
            totals[suggestion_id][name] += n
    return totals


def _ballot_rows(month: datetime.date, totals: dict[int, dict[str, int]], nodes_of) -> dict:
    rows: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BALLOT_VALUES, 0))
    places = Suggestion.objects.filter(pk__in=totals).values_list(
        "pk", "station_id", "handling_unit_id"
    )
    for pk, station_id, unit_id in places:
        nodes = nodes_of(station_id) + ([(NodeKind.UNIT, unit_id)] if unit_id else [])
        for kind, node in nodes:
            row = rows[(kind, node, month)]
            for name in BALLOT_VALUES:
                row[name] += totals[pk][name]
    return rows


def on_ballot_close(*, session) -> None:
    """A secret-ballot session closed: its votes count, for the stations, areas and units of
    the suggestions voted on (the unit each was with when voting closed)."""
    month = session.meeting.date.replace(day=1)
    rows = _ballot_rows(month, _ballot_totals([session.pk]), _station_nodes)
    _upsert(BallotRollup, NODE_KEY, rows, BALLOT_VALUES)


def _node_rows(model, values) -> dict[tuple, tuple]:
    return {
        tuple(row[:3]): tuple(row[3:])
        for row in model.objects.values_list(*NODE_KEY, *values)
        if any(row[3:])
    }


def _fresh_reception_and_ballot_rows() -> tuple[dict, dict]:
    """Both small rollups computed afresh from the reception days and the closed sessions."""
    from meetings.models import BallotSession
    from stations.models import ReceptionDay

    nodes = _nodes_by_station()
    reception: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    held = ReceptionDay.objects.filter(status=ReceptionDay.Status.HELD).values_list(
        "station_id", "date", "visitors"
    )
    for station_id, date, visitors in held.iterator(chunk_size=5000):
        for kind, node in nodes(station_id):
            row = reception[(kind, node, date.replace(day=1))]
            row[0] += 1
            row[1] += visitors or 0
    ballots: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BALLOT_VALUES, 0))
    closed = BallotSession.objects.filter(status=BallotSession.Status.CLOSED)
    for session_id, date in closed.values_list("pk", "meeting__date"):
        for key, row in _ballot_rows(
            date.replace(day=1), _ballot_totals([session_id]), nodes
        ).items():
            for name in BALLOT_VALUES:
                ballots[key][name] += row[name]
    fresh_reception = {key: tuple(row) for key, row in reception.items() if any(row)}
    fresh_ballots = {
        key: tuple(row[n] for n in BALLOT_VALUES)
        for key, row in ballots.items()
        if any(row.values())
    }
    return fresh_reception, fresh_ballots


def _nodes_by_station():
    """``nodes(station_id)``: the station and its areas, from one read of the area tree."""
    kinds = dict(Region.objects.values_list("pk", "kind"))
    paths = dict(Station.objects.values_list("pk", "region__path"))

    def nodes(station_id):
        areas = [
            int(part)
            for part in (paths.get(station_id) or "").strip("/").split("/")
            if part and kinds.get(int(part)) in AREA_KINDS
        ]
        return [(NodeKind.STATION, station_id)] + [(NodeKind.AREA, a) for a in sorted(areas)]

    return nodes


def _rebuild_reception_and_ballots() -> None:
    reception, ballots = _fresh_reception_and_ballot_rows()
    ReceptionRollup.objects.all().delete()
    BallotRollup.objects.all().delete()
    ReceptionRollup.objects.bulk_create(
        (
            ReceptionRollup(kind=k, node=n, month=m, days_held=days, visitors=visitors)
            for (k, n, m), (days, visitors) in reception.items()
        ),
        batch_size=2000,
    )
    BallotRollup.objects.bulk_create(
        (
            BallotRollup(kind=k, node=n, month=m, **dict(zip(BALLOT_VALUES, votes, strict=True)))
            for (k, n, m), votes in ballots.items()
        ),
        batch_size=2000,
    )


# --- rebuilding and checking ----------------------------------------------------------------------


@dataclass
class RebuildResult:
    suggestions: int
    rows: int
    area_rows: int = 0
    seconds: float = 0.0


def _figures_from_events(batch_size: int) -> Iterable[tuple]:
    """(suggestion id, unit key, state, overdue, counters…) of every suggestion, from its event
    trail and its state today, in id order: one pass over the events, no model instances."""
    events = (
        SuggestionEvent.objects.order_by("suggestion_id", "created_at", "id")
        .values_list("suggestion_id", "verb", "data", "created_at")
        .iterator(chunk_size=batch_size)
    )
    suggestions = (
        Suggestion.objects.order_by("pk")
        .values_list("pk", "submitted_at", "handling_unit_id", "state", "deadline")
        .iterator(chunk_size=batch_size)
    )
    current, vector, dispatched_at = None, None, None
    on = today()

    def finish():
        overdue = is_overdue(current[3], current[4], on)
        return (
            current[0],
            current[2] or 0,
            current[3],
            overdue,
            *(vector[name] for name in COUNTERS),
        )

    for suggestion_id, verb, data, created_at in events:
        if current is None or suggestion_id != current[0]:
            if current is not None:
                yield finish()
            current = next(suggestions)
            while current[0] != suggestion_id:  # a suggestion without events counts nowhere
                current = next(suggestions)
            vector, dispatched_at = _combine({}, {}), None
        if verb == Verb.DISPATCH:
            dispatched_at = created_at
        vector = _combine(
            vector,
            event_delta(
                verb=verb,
                data=data or {},
                created_at=created_at,
                submitted_at=current[1],
                dispatched_at=dispatched_at,
            ),
        )
    if current is not None:
        yield finish()


def _gauge_sums(prefix: str) -> str:
    return ", ".join(
        f"SUM(CASE WHEN {prefix}state = '{state}' THEN 1 ELSE 0 END)" for state in GAUGES
    )


def _fine_rollup_select() -> str:
    """SELECT the fine rollup's rows from the suggestions and their figures (FINE_KEY, VALUES)."""
    qn = connection.ops.quote_name
    s, f = qn(Suggestion._meta.db_table), qn(SuggestionFigures._meta.db_table)
    counters = ", ".join(f"SUM(f.{qn(name)})" for name in COUNTERS)
    return (
        f"SELECT s.submitted_month, s.station_id, s.category_id, s.channel, f.unit_key, "
        f"CASE WHEN f.unit_key = 0 THEN NULL ELSE f.unit_key END, {counters}, "
        f"{_gauge_sums('f.')}, SUM(CASE WHEN f.overdue THEN 1 ELSE 0 END) "
        f"FROM {s} s JOIN {f} f ON f.suggestion_id = s.id "
        f"GROUP BY s.submitted_month, s.station_id, s.category_id, s.channel, f.unit_key"
    )


STATION_AREAS = "portal_rollup_station_areas"


def _station_area_table(cursor) -> None:
    """A temporary table of (station, area) for every area above the grassroots holding it."""
    kinds = dict(Region.objects.values_list("pk", "kind"))
    cursor.execute(f"DROP TABLE IF EXISTS {STATION_AREAS}")
    cursor.execute(f"CREATE TEMPORARY TABLE {STATION_AREAS} (station_id bigint, area_id bigint)")
    pairs = []
    for station_id, path in Station.objects.values_list("pk", "region__path"):
        for part in (path or "").strip("/").split("/"):
            if part and kinds.get(int(part)) in AREA_KINDS:
                pairs.append((station_id, int(part)))
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        cursor.execute(
            f"INSERT INTO {STATION_AREAS} (station_id, area_id) VALUES "
            + ", ".join(["(%s, %s)"] * len(chunk)),
            [value for pair in chunk for value in pair],
        )


def _area_rollup_selects() -> dict[str, str]:
    """SELECTs of the area rollup's rows (AREA_KEY, VALUES) from the fine rollup, one per
    dimension."""
    qn = connection.ops.quote_name
    fine = qn(SuggestionRollup._meta.db_table)
    sums = ", ".join(f"SUM(r.{qn(name)})" for name in VALUES)
    # Rows whose suggestions all moved on to another unit are all zeros: they add nothing, and
    # must not make an area row of zeros either. Counters are never negative.
    nonzero = "(" + " OR ".join(f"r.{qn(name)} <> 0" for name in VALUES) + ")"
    year = (
        "CAST(date_trunc('year', r.month) AS date)"
        if connection.vendor == "postgresql"
        else "date(r.month, 'start of year')"
    )
    unit = "CAST(r.unit_key AS VARCHAR(20))"
    # dimension: (month, key, GROUP BY beyond the area, WHERE)
    keys = {
        Dim.ALL: ("r.month", "''", "r.month", nonzero),
        Dim.CATEGORY: (
            "r.month",
            "CAST(r.category_id AS VARCHAR(20))",
            "r.month, r.category_id",
            nonzero,
        ),
        Dim.CHANNEL: ("r.month", "r.channel", "r.month, r.channel", nonzero),
        Dim.UNIT: ("r.month", unit, "r.month, r.unit_key", f"r.unit_key <> 0 AND {nonzero}"),
        Dim.UNIT_YEAR: (year, unit, f"{year}, r.unit_key", f"r.unit_key <> 0 AND {nonzero}"),
    }
    return {
        str(dimension): (
            f"SELECT a.area_id, '{dimension}', {month}, {key}, {sums} "
            f"FROM {fine} r JOIN {STATION_AREAS} a ON a.station_id = r.station_id WHERE {where} "
            f"GROUP BY a.area_id, {group}"
        )
        for dimension, (month, key, group, where) in keys.items()
    }


def _insert_select(cursor, model, columns: list[str], select: str) -> None:
    qn = connection.ops.quote_name
    cursor.execute(
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) {select}"
    )


def rebuild(*, batch_size: int = 5000) -> RebuildResult:
    """Recompute every figure from the event trail and the suggestions' current state.

    For deployments, imports and repairs. The figures are computed from the events in one pass
    (the only Python part), then both rollups are summed by the database. Holds the rollup
    tables locked meanwhile (on PostgreSQL), so a transition that happens during the rebuild
    waits and is applied on top of the result.
    """
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        tables = [SuggestionFigures, SuggestionRollup, AreaRollup, ReceptionRollup, BallotRollup]
        if connection.vendor == "postgresql":
            names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
            cursor.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        for model in tables:
            model.objects.all().delete()  # one DELETE each: nothing cascades from them
        count = 0
        pending = []
        fields = ["suggestion_id", "unit_key", "state", "overdue", *COUNTERS]
        for row in _figures_from_events(batch_size):
            pending.append(SuggestionFigures(**dict(zip(fields, row, strict=True))))
            count += 1
            if len(pending) >= batch_size:
                SuggestionFigures.objects.bulk_create(pending)
                pending.clear()
        SuggestionFigures.objects.bulk_create(pending)
        _insert_select(cursor, SuggestionRollup, [*FINE_KEY, *VALUES], _fine_rollup_select())
        _station_area_table(cursor)
        for select in _area_rollup_selects().values():
            _insert_select(cursor, AreaRollup, [*AREA_KEY, *VALUES], select)
        cursor.execute(f"DROP TABLE {STATION_AREAS}")
        _rebuild_reception_and_ballots()
    return RebuildResult(
        suggestions=count,
        rows=SuggestionRollup.objects.count(),
        area_rows=AreaRollup.objects.count(),
        seconds=round(time.monotonic() - started, 1),
    )


@dataclass
class CheckResult:
    """Where the kept figures differ from a fresh computation (empty lists: they agree)."""

    suggestions: int
    figures: list[int]  # ids of suggestions whose kept figures differ from their events
    rows: list[tuple]  # fine rollup keys that differ
    area_rows: list[tuple]  # area rollup keys that differ
    reception_rows: list[tuple] = field(default_factory=list)
    ballot_rows: list[tuple] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.figures or self.rows or self.area_rows or self.reception_rows or self.ballot_rows
        )


def _differences(cursor, fresh: str, kept: str, key_length: int, limit: int) -> list[tuple]:
    """Keys of the rows in one SELECT and not in the other, either way (the database compares)."""
    found = set()
    for one, other in ((fresh, kept), (kept, fresh)):
        cursor.execute(f"SELECT * FROM ({one} EXCEPT {other}) d")
        found.update(tuple(row[:key_length]) for row in cursor.fetchmany(limit))
    return sorted(found, key=repr)[:limit]


def check(*, batch_size: int = 5000, limit: int = 20) -> CheckResult:
    """Compare every kept figure with a fresh computation, changing nothing.

    The suggestions' figures against their event trails (both streamed in id order), the fine
    rollup against the figures, the area rollup against the fine rollup. Rows whose
    suggestions have all moved on to another unit are all zeros, and count as absent.
    """
    kept_figures = (
        SuggestionFigures.objects.order_by("pk")
        .values_list("suggestion_id", "unit_key", "state", "overdue", *COUNTERS)
        .iterator(chunk_size=batch_size)
    )
    kept = next(kept_figures, None)
    wrong, count = [], 0
    for fresh in _figures_from_events(batch_size):
        count += 1
        while kept is not None and kept[0] < fresh[0]:
            wrong.append(kept[0])  # figures of a suggestion without events
            kept = next(kept_figures, None)
        if kept != fresh:
            wrong.append(fresh[0])
        if kept is not None and kept[0] == fresh[0]:
            kept = next(kept_figures, None)
    qn = connection.ops.quote_name
    values = ", ".join(qn(c) for c in VALUES)
    nonzero = " OR ".join(f"{qn(c)} <> 0" for c in VALUES)
    fine_kept = (
        f"SELECT month, station_id, category_id, channel, unit_key, "
        f"CASE WHEN unit_key = 0 THEN NULL ELSE unit_key END, {values} "
        f"FROM {qn(SuggestionRollup._meta.db_table)} WHERE {nonzero}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        rows = _differences(cursor, _fine_rollup_select(), fine_kept, 5, limit)
        _station_area_table(cursor)
        area_rows = []
        for dimension, fresh_select in _area_rollup_selects().items():
            area_kept = (
                f"SELECT area_id, dimension, month, {qn('key')}, {values} "
                f"FROM {qn(AreaRollup._meta.db_table)} "
                f"WHERE dimension = '{dimension}' AND ({nonzero})"
            )
            area_rows += _differences(cursor, fresh_select, area_kept, 4, limit)
        cursor.execute(f"DROP TABLE {STATION_AREAS}")
    reception, ballots = _fresh_reception_and_ballot_rows()
    return CheckResult(
        suggestions=count,
        figures=wrong[:limit],
        rows=rows,
        area_rows=area_rows[:limit],
        reception_rows=_compare_nodes(_node_rows(ReceptionRollup, RECEPTION_VALUES), reception)[
            :limit
        ],
        ballot_rows=_compare_nodes(_node_rows(BallotRollup, BALLOT_VALUES), ballots)[:limit],
    )


def _compare_nodes(kept: dict, fresh: dict) -> list[tuple]:
    return sorted(key for key in kept.keys() | fresh.keys() if kept.get(key) != fresh.get(key))
