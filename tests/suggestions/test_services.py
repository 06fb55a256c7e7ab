import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from congress_portal.clock import frozen_at
from suggestions import services
from suggestions.models import (
    TRANSITIONS,
    FeedbackChannel,
    RatingValue,
    State,
    Suggestion,
    SuggestionEvent,
    Verb,
)
from suggestions.services import NotAllowed
from tests.accounts.factories import DelegateUserFactory, UnitStaffUserFactory
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import StationFactory
from tests.suggestions.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


def _do(verb, suggestion, *, delegate_user, unit_staff_user, handling_unit, station_staff_user):
    """Attempt ``verb`` on ``suggestion`` as the role entitled to it."""
    calls = {
        Verb.ACCEPT: lambda: services.suggestion_accept(suggestion=suggestion, actor=delegate_user),
        Verb.ASSIGN: lambda: services.suggestion_assign(
            suggestion=suggestion, delegate=delegate_user.delegate, actor=station_staff_user
        ),
        Verb.HANDLE_ON_SPOT: lambda: services.suggestion_handle_on_spot(
            suggestion=suggestion, actor=delegate_user, result="当场解决。"
        ),
        Verb.EXPLAIN: lambda: services.suggestion_explain(
            suggestion=suggestion, actor=delegate_user, reason="属于民事纠纷。"
        ),
        Verb.DISPATCH: lambda: services.suggestion_dispatch(
            suggestion=suggestion, actor=delegate_user, unit=handling_unit
        ),
        Verb.MERGE: lambda: services.suggestion_merge(
            suggestion=suggestion,
            into=services.suggestion_submit(
                title="重复",
                content="重复",
                category=suggestion.category,
                station=suggestion.station,
            ),
            actor=delegate_user,
        ),
        Verb.ACKNOWLEDGE: lambda: services.suggestion_acknowledge(
            suggestion=suggestion, actor=unit_staff_user
        ),
        Verb.REFUSE: lambda: services.suggestion_refuse(
            suggestion=suggestion, actor=unit_staff_user, reason="不属于本单位职责。"
        ),
        Verb.UNIT_REPLY: lambda: services.suggestion_unit_reply(
            suggestion=suggestion, actor=unit_staff_user, text="已处理。"
        ),
        Verb.SEND_BACK: lambda: services.suggestion_send_back(
            suggestion=suggestion, actor=delegate_user, comment="请补充照片。"
        ),
        Verb.PUBLISH: lambda: services.suggestion_publish(
            suggestion=suggestion, actor=delegate_user, feedback_channel=FeedbackChannel.PHONE
        ),
        Verb.RATE: lambda: services.suggestion_rate(
            suggestion=suggestion, value=RatingValue.SATISFIED
        ),
        Verb.REOPEN: lambda: services.suggestion_rate(
            suggestion=suggestion, value=RatingValue.UNSATISFIED
        ),
        Verb.AUTO_CLOSE: lambda: services.suggestion_auto_close(suggestion=suggestion),
    }
    return calls[verb]()


REACHABLE = [s for s in State.values]


@pytest.mark.parametrize("verb", list(TRANSITIONS))
@pytest.mark.parametrize("state", REACHABLE)
def test_every_edge_of_the_transition_table_is_allowed_or_refused_as_the_table_says(
    verb, state, walk_to, delegate_user, unit_staff_user, handling_unit, station_staff_user
):
    suggestion = walk_to(state)
    sources, target = TRANSITIONS[verb]
    events_before = suggestion.events.count()
    if state in sources:
        result = _do(
            verb,
            suggestion,
            delegate_user=delegate_user,
            unit_staff_user=unit_staff_user,
            handling_unit=handling_unit,
            station_staff_user=station_staff_user,
        )
        suggestion.refresh_from_db()
        assert suggestion.state == target
        assert suggestion.events.count() == events_before + 1
        event = suggestion.events.last()
        assert (event.verb, event.from_state, event.to_state) == (verb, state, target)
        assert result is not None
    else:
        # Refused either as a wrong edge or, before that, as not this actor's right.
        with pytest.raises((ValidationError, NotAllowed)):
            _do(
                verb,
                suggestion,
                delegate_user=delegate_user,
                unit_staff_user=unit_staff_user,
                handling_unit=handling_unit,
                station_staff_user=station_staff_user,
            )
        suggestion.refresh_from_db()
        assert suggestion.state == state
        assert suggestion.events.count() == events_before


def test_the_whole_loop_leaves_a_trail_of_who_did_what(walk_to):
    suggestion = walk_to(State.CLOSED)
    trail = list(suggestion.events.values_list("verb", "actor_role"))
    assert trail == [
        ("submit", "resident"),
        ("accept", "delegate"),
        ("dispatch", "delegate"),
        ("acknowledge", "unit_staff"),
        ("unit_reply", "unit_staff"),
        ("publish", "delegate"),
        ("rate", "resident"),
    ]
    assert suggestion.rating == RatingValue.SATISFIED
    assert suggestion.closed_at is not None


def test_unsatisfied_rating_reopens_the_suggestion_for_its_delegate(walk_to, delegate):
    suggestion = walk_to(State.REPLIED)
    reopened = services.suggestion_rate(
        suggestion=suggestion, value=RatingValue.UNSATISFIED, comment="灯还是不亮"
    )
    assert reopened.state == State.ACCEPTED
    assert reopened.is_reopened
    assert reopened.delegate == delegate
    assert reopened.ratings.get().comment == "灯还是不亮"


def test_unit_cannot_reply_to_suggestion_dispatched_elsewhere(walk_to):
    suggestion = walk_to(State.IN_PROGRESS)
    stranger = UnitStaffUserFactory()
    HandlingUnitFactory().members.add(stranger)
    with pytest.raises(NotAllowed):
        services.suggestion_unit_reply(suggestion=suggestion, actor=stranger, text="不是我们的")
    suggestion.refresh_from_db()
    assert suggestion.state == State.IN_PROGRESS


def test_delegate_of_another_station_cannot_take_the_suggestion(walk_to):
    suggestion = walk_to(State.SUBMITTED)
    outsider = DelegateFactory(user=DelegateUserFactory())
    outsider.stations.add(StationFactory())
    with pytest.raises(NotAllowed):
        services.suggestion_accept(suggestion=suggestion, actor=outsider.user)
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.SUBMITTED


def test_second_delegate_is_told_who_took_the_suggestion(walk_to, station):
    suggestion = walk_to(State.ACCEPTED)
    colleague = DelegateFactory(user=DelegateUserFactory(), name="李四")
    colleague.stations.add(station)
    with pytest.raises(ValidationError, match=suggestion.delegate.name):
        services.suggestion_accept(suggestion=suggestion, actor=colleague.user)


def test_a_unit_that_refuses_hands_the_suggestion_back_without_its_deadline(
    walk_to, unit_staff_user
):
    suggestion = walk_to(State.DISPATCHED)
    back = services.suggestion_refuse(
        suggestion=suggestion, actor=unit_staff_user, reason="属于县交通局职责"
    )
    assert back.state == State.ACCEPTED
    assert back.handling_unit is None and back.deadline is None
    assert not back.events.last().is_public  # the refusal is internal


def test_explaining_needs_a_reason(walk_to, delegate_user):
    suggestion = walk_to(State.ACCEPTED)
    with pytest.raises(ValidationError):
        services.suggestion_explain(suggestion=suggestion, actor=delegate_user, reason="   ")
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.ACCEPTED


def test_the_same_form_posted_twice_creates_one_suggestion(submit):
    import uuid

    key = uuid.uuid4()
    first = submit(submission_key=key)
    second = submit(submission_key=key)
    assert first.pk == second.pk
    assert Suggestion.objects.count() == 1


def test_a_merged_duplicate_is_closed_and_points_at_the_survivor(walk_to, submit, delegate_user):
    duplicate = walk_to(State.SUBMITTED)
    survivor = submit(title="原始建议")
    merged = services.suggestion_merge(suggestion=duplicate, into=survivor, actor=delegate_user)
    assert merged.state == State.MERGED and merged.merged_into == survivor
    from suggestions.selectors import merged_survivor, suggestion_by_code

    # The duplicate's code keeps showing the duplicate (its resident's own data), which knows
    # where it went.
    assert suggestion_by_code(duplicate.tracking_code) == duplicate
    assert merged_survivor(merged) == survivor


def test_deadline_counts_official_working_days_across_national_day(
    walk_to, delegate_user, handling_unit
):
    suggestion = walk_to(State.ACCEPTED)
    moment = datetime.datetime(2026, 9, 30, 10, tzinfo=datetime.UTC)
    with frozen_at(moment):
        dispatched = services.suggestion_dispatch(
            suggestion=suggestion, actor=delegate_user, unit=handling_unit, workdays=5
        )
    # 10-01..10-07 are holidays; Saturday 10-10 is a make-up working day (调休).
    assert dispatched.deadline == datetime.date(2026, 10, 13)


def test_unrated_replies_close_after_the_configured_days(walk_to, settings):
    settings.PORTAL_AUTO_CLOSE_DAYS = 15
    replied = walk_to(State.REPLIED)
    later = replied.replied_at + datetime.timedelta(days=16)
    assert services.suggestions_auto_close_due(as_of=later) == 1
    replied.refresh_from_db()
    assert replied.state == State.CLOSED
    assert replied.events.last().actor_role == "system"


def test_notification_goes_out_after_commit_with_a_masked_phone(
    submit, delegate_user, django_capture_on_commit_callbacks, caplog
):
    suggestion = submit()
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_accept(suggestion=suggestion, actor=delegate_user)
    assert "138****8000" in caplog.text
    assert "13800138000" not in caplog.text


def test_a_failing_notifier_never_undoes_the_state_change(
    submit, delegate_user, settings, django_capture_on_commit_callbacks
):
    settings.PORTAL_NOTIFIER = "suggestions.notifiers.SmsGatewayNotifier"  # no URL: it fails
    suggestion = submit()
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_accept(suggestion=suggestion, actor=delegate_user)
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.ACCEPTED


def test_events_cannot_be_edited(walk_to):
    event = walk_to(State.ACCEPTED).events.last()
    event.note = "篡改"
    with pytest.raises(ValueError):
        event.save()
    assert SuggestionEvent.objects.get(pk=event.pk).note == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_delegates_accepting_at_once_one_wins_the_other_is_told_who(station, category):
    suggestion = services.suggestion_submit(
        title="并发", content="两位代表同时接单", category=category, station=station
    )
    users = []
    for name in ("甲代表", "乙代表"):
        delegate = DelegateFactory(user=DelegateUserFactory(), name=name)
        delegate.stations.add(station)
        users.append(delegate.user)
    barrier = threading.Barrier(2)
    outcomes = []

    def take(user):
        try:
            barrier.wait()
            services.suggestion_accept(suggestion=suggestion, actor=user)
            outcomes.append(("won", user.delegate.name))
        except ValidationError as error:
            outcomes.append(("lost", " ".join(error.messages)))
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [name for result, name in outcomes if result == "won"]
    losers = [message for result, message in outcomes if result == "lost"]
    assert len(winners) == 1 and len(losers) == 1
    assert winners[0] in losers[0]  # the loser is told who took it
    assert SuggestionEvent.objects.filter(suggestion=suggestion, verb=Verb.ACCEPT).count() == 1


def test_close_unrated_command_closes_old_replies(walk_to, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.PORTAL_AUTO_CLOSE_DAYS = 15
    replied = walk_to(State.REPLIED)
    with frozen_at(replied.replied_at + datetime.timedelta(days=20)):
        call_command("close_unrated", stdout=StringIO())
    replied.refresh_from_db()
    assert replied.state == State.CLOSED
