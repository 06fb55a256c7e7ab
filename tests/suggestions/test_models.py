import datetime
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from congress_portal.clock import now
from suggestions.models import (
    Channel,
    DeadlineExtension,
    State,
    Suggestion,
    SuggestionEvent,
    Verb,
)
from tests.constraints import refused_by_database
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import ReceptionDayFactory
from tests.suggestions.factories import HandlingUnitFactory, SubmittedSuggestionFactory

pytestmark = pytest.mark.django_db


def _event(suggestion, **fields):
    return SuggestionEvent.objects.create(
        suggestion=suggestion, verb=Verb.SUBMIT, to_state=State.SUBMITTED, **fields
    )


def test_a_tracking_code_belongs_to_one_suggestion():
    first = SubmittedSuggestionFactory()

    with refused_by_database():
        SubmittedSuggestionFactory(tracking_code=first.tracking_code)


def test_a_merged_suggestion_needs_the_suggestion_it_repeats():
    survivor = SubmittedSuggestionFactory()
    SubmittedSuggestionFactory(state=State.MERGED, merged_into=survivor)

    with refused_by_database("suggestion_merged_has_target"):
        SubmittedSuggestionFactory(state=State.MERGED, merged_into=None)


def test_a_suggestion_cannot_be_merged_into_itself():
    suggestion = SubmittedSuggestionFactory()

    with refused_by_database("suggestion_not_merged_into_self"):
        Suggestion.objects.filter(pk=suggestion.pk).update(merged_into=suggestion)


@pytest.mark.parametrize("state", [State.DISPATCHED, State.IN_PROGRESS, State.UNIT_REPLIED])
def test_a_suggestion_with_a_unit_needs_the_unit_and_a_deadline(state):
    delegate = DelegateFactory()
    unit = HandlingUnitFactory()
    deadline = datetime.date(2026, 4, 1)
    SubmittedSuggestionFactory(
        state=state, delegate=delegate, handling_unit=unit, deadline=deadline
    )

    with refused_by_database("suggestion_dispatched_has_unit_and_deadline"):
        SubmittedSuggestionFactory(state=state, delegate=delegate, handling_unit=unit)
    with refused_by_database("suggestion_dispatched_has_unit_and_deadline"):
        SubmittedSuggestionFactory(state=state, delegate=delegate, deadline=deadline)


@pytest.mark.parametrize(
    "state",
    [State.ACCEPTED, State.REPLIED, State.CLOSED],
)
def test_a_taken_suggestion_needs_a_delegate(state):
    SubmittedSuggestionFactory(state=state, delegate=DelegateFactory())

    with refused_by_database("suggestion_taken_has_delegate"):
        SubmittedSuggestionFactory(state=state, delegate=None)


def test_a_submitted_suggestion_needs_no_delegate():
    suggestion = SubmittedSuggestionFactory(delegate=None)

    assert suggestion.state == State.SUBMITTED


def test_a_state_outside_the_loop_is_refused():
    with refused_by_database("suggestion_state_valid"):
        SubmittedSuggestionFactory(state="lost")


def test_a_suggestion_from_a_reception_day_names_the_day():
    SubmittedSuggestionFactory(channel=Channel.RECEPTION_DAY, reception_day=ReceptionDayFactory())

    with refused_by_database("suggestion_reception_channel_has_day"):
        SubmittedSuggestionFactory(channel=Channel.RECEPTION_DAY, reception_day=None)


def test_a_submission_key_creates_one_suggestion():
    key = uuid.uuid4()
    SubmittedSuggestionFactory(submission_key=key)
    # Suggestions entered by staff carry no key: any number of them.
    SubmittedSuggestionFactory(submission_key=None)
    SubmittedSuggestionFactory(submission_key=None)

    with refused_by_database():
        SubmittedSuggestionFactory(submission_key=key)


def test_a_suggestion_has_at_most_one_pending_extension():
    suggestion = SubmittedSuggestionFactory()
    DeadlineExtension.objects.create(
        suggestion=suggestion, workdays=5, reason="需协调县交通局", status="rejected"
    )
    DeadlineExtension.objects.create(suggestion=suggestion, workdays=5, reason="需协调县交通局")

    with refused_by_database():
        DeadlineExtension.objects.create(suggestion=suggestion, workdays=3, reason="再延")


@pytest.mark.parametrize("workdays", [0, 61])
def test_an_extension_asks_for_one_to_sixty_working_days(workdays):
    with refused_by_database("extension_workdays_range"):
        DeadlineExtension.objects.create(
            suggestion=SubmittedSuggestionFactory(), workdays=workdays, reason="需协调"
        )


def test_saving_an_existing_suggestion_event_again_raises():
    event = _event(SubmittedSuggestionFactory(), note="网上提交")
    event.note = "改过"

    with pytest.raises(ValueError):
        event.save()
    assert SuggestionEvent.objects.get(pk=event.pk).note == "网上提交"


def test_the_database_refuses_to_update_a_suggestion_event():
    event = _event(SubmittedSuggestionFactory(), note="网上提交")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        SuggestionEvent.objects.filter(pk=event.pk).update(note="改过")
    assert SuggestionEvent.objects.get(pk=event.pk).note == "网上提交"


def test_deleting_a_suggestion_event_through_the_model_raises():
    event = _event(SubmittedSuggestionFactory())

    with pytest.raises(ValueError):
        event.delete()
    assert SuggestionEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_a_fresh_suggestion_event():
    event = _event(SubmittedSuggestionFactory())

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM suggestions_suggestionevent WHERE id = %s", [event.pk])
    assert SuggestionEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgresql_lets_events_past_the_retention_floor_be_purged():
    event = _event(SubmittedSuggestionFactory(), created_at=now() - datetime.timedelta(days=181))

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM suggestions_suggestionevent WHERE id = %s", [event.pk])
    assert not SuggestionEvent.objects.filter(pk=event.pk).exists()
