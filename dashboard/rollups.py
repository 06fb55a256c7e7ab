"""Figures kept in step with the loop: every event of a suggestion passes through here, inside
the transaction that records it (called from ``suggestions.services._record``).

Each suggestion contributes a vector of counters (``SuggestionFigures``) to exactly one rollup
row, the row of its submission month, station, category, channel and *current* handling unit,
plus one to the gauge of its current state. An event adds to the vector; a change of state moves
the gauge; a change of unit moves the whole vector to the new unit's row. Rows are changed with
``UPDATE … SET n = n + delta`` so that two transitions at once never lose a count: the database
serialises the two updates of one row, and a row created by both at once is inserted once
(``INSERT … ON CONFLICT DO NOTHING`` on the unique key) before both updates.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from suggestions.models import Suggestion, SuggestionEvent, Verb

from .models import COUNTERS, GAUGES, SuggestionFigures, SuggestionRollup

REPLY_VERBS = frozenset({Verb.HANDLE_ON_SPOT, Verb.EXPLAIN, Verb.PUBLISH})


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
    return {}


def _combine(old: dict[str, int], delta: dict[str, int]) -> dict[str, int]:
    new = {name: old.get(name, 0) + delta.get(name, 0) for name in COUNTERS}
    new["reopened"] = 1 if (old.get("reopened") or delta.get("reopened")) else 0
    return new


def _row_key(suggestion: Suggestion, unit_key: int) -> dict:
    return {
        "month": suggestion.submitted_month,
        "station_id": suggestion.station_id,
        "category_id": suggestion.category_id,
        "channel": suggestion.channel,
        "unit_key": unit_key,
    }


def _add(key: dict, changes: dict[str, int]) -> None:
    """Add ``changes`` to the rollup row of ``key``, creating the row if it is not there."""
    changes = {name: value for name, value in changes.items() if value}
    if not changes:
        return
    update = {name: F(name) + value for name, value in changes.items()}
    rows = SuggestionRollup.objects.filter(**key)
    if rows.update(**update):
        return
    unit_key = key["unit_key"]
    SuggestionRollup.objects.bulk_create(
        [SuggestionRollup(**key, unit_id=unit_key or None)], ignore_conflicts=True
    )
    rows.update(**update)


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
    state = suggestion.state
    unit_key = suggestion.handling_unit_id or 0
    figures = SuggestionFigures.objects.filter(pk=suggestion.pk).first()
    if figures is None:
        new = _combine({}, delta)
        _add(_row_key(suggestion, unit_key), {**new, GAUGES[state]: 1})
        SuggestionFigures.objects.create(
            suggestion_id=suggestion.pk, unit_key=unit_key, state=state, **new
        )
        return
    old = {name: getattr(figures, name) for name in COUNTERS}
    new = _combine(old, delta)
    if new == old and figures.state == state and figures.unit_key == unit_key:
        return  # an annotation (urge, extension, reassign…): no figure moves
    if figures.unit_key == unit_key:
        changes = {name: new[name] - old[name] for name in COUNTERS}
        if figures.state != state:
            changes[GAUGES[figures.state]] = -1
            changes[GAUGES[state]] = 1
        _add(_row_key(suggestion, unit_key), changes)
    else:
        # Another unit now: the suggestion takes all of its figures to the new unit's row.
        _add(
            _row_key(suggestion, figures.unit_key),
            {**{name: -value for name, value in old.items()}, GAUGES[figures.state]: -1},
        )
        _add(_row_key(suggestion, unit_key), {**new, GAUGES[state]: 1})
    SuggestionFigures.objects.filter(pk=suggestion.pk).update(unit_key=unit_key, state=state, **new)


@dataclass
class RebuildResult:
    suggestions: int
    rows: int


def rebuild(*, batch_size: int = 2000) -> RebuildResult:
    """Recompute every rollup from the event trail and the suggestions' current state.

    For deployments and repairs. Holds the rollup tables locked meanwhile (on PostgreSQL), so a
    transition that happens during the rebuild waits and is applied on top of the result.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                tables = ", ".join(
                    connection.ops.quote_name(model._meta.db_table)
                    for model in (SuggestionFigures, SuggestionRollup)
                )
                cursor.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        SuggestionFigures.objects.all().delete()
        SuggestionRollup.objects.all().delete()
        rows: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        pending: list[SuggestionFigures] = []
        count = 0

        def finish(suggestion, vector):
            nonlocal count
            unit_key = suggestion.handling_unit_id or 0
            key = tuple(_row_key(suggestion, unit_key).values())
            row = rows[key]
            for name, value in vector.items():
                row[name] += value
            row[GAUGES[suggestion.state]] += 1
            pending.append(
                SuggestionFigures(
                    suggestion_id=suggestion.pk, unit_key=unit_key, state=suggestion.state, **vector
                )
            )
            count += 1
            if len(pending) >= batch_size:
                SuggestionFigures.objects.bulk_create(pending)
                pending.clear()

        events = (
            SuggestionEvent.objects.select_related(None)
            .only("suggestion_id", "verb", "data", "created_at")
            .order_by("suggestion_id", "created_at", "id")
        )
        suggestions = (
            Suggestion.objects.only(
                "pk",
                "submitted_at",
                "submitted_month",
                "station_id",
                "category_id",
                "channel",
                "handling_unit_id",
                "state",
            )
            .order_by("pk")
            .iterator(chunk_size=batch_size)
        )
        current = None
        vector: dict[str, int] = {}
        dispatched_at = None
        for event in events.iterator(chunk_size=batch_size):
            if current is None or event.suggestion_id != current.pk:
                if current is not None:
                    finish(current, vector)
                current = next(suggestions)
                while current.pk != event.suggestion_id:  # a suggestion without events
                    current = next(suggestions)
                vector, dispatched_at = _combine({}, {}), None
            if event.verb == Verb.DISPATCH:
                dispatched_at = event.created_at
            vector = _combine(
                vector,
                event_delta(
                    verb=event.verb,
                    data=event.data or {},
                    created_at=event.created_at,
                    submitted_at=current.submitted_at,
                    dispatched_at=dispatched_at,
                ),
            )
        if current is not None:
            finish(current, vector)
        SuggestionFigures.objects.bulk_create(pending)
        SuggestionRollup.objects.bulk_create(
            [
                SuggestionRollup(
                    month=month,
                    station_id=station_id,
                    category_id=category_id,
                    channel=channel,
                    unit_key=unit_key,
                    unit_id=unit_key or None,
                    **counts,
                )
                for (month, station_id, category_id, channel, unit_key), counts in rows.items()
            ],
            batch_size=batch_size,
        )
    return RebuildResult(suggestions=count, rows=len(rows))
