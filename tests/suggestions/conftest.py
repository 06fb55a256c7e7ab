"""Fixtures for the loop: suggestions brought to any state through the services."""

import pytest

from suggestions import services
from suggestions.models import FeedbackChannel, RatingValue, State
from tests.suggestions.factories import CategoryFactory


@pytest.fixture
def category(handling_unit):
    return CategoryFactory(default_unit=handling_unit)


@pytest.fixture
def submit(station, category):
    def _submit(**overrides):
        fields = dict(
            title="新民路路灯不亮",
            content="小区门口的路灯坏了一个月，晚上出行不便。",
            category=category,
            station=station,
            submitter_name="王大妈",
            submitter_phone="13800138000",
        )
        fields.update(overrides)
        return services.suggestion_submit(**fields)

    return _submit


@pytest.fixture
def walk_to(submit, delegate_user, unit_staff_user, handling_unit):
    """A suggestion in ``state``, reached the way users reach it."""

    def _walk(state):
        s = submit()
        if state == State.SUBMITTED:
            return s
        s = services.suggestion_accept(suggestion=s, actor=delegate_user)
        if state == State.ACCEPTED:
            return s
        if state == State.MERGED:
            other = submit(title="同一问题")
            return services.suggestion_merge(suggestion=s, into=other, actor=delegate_user)
        s = services.suggestion_dispatch(
            suggestion=s, actor=delegate_user, unit=handling_unit, workdays=5
        )
        if state == State.DISPATCHED:
            return s
        s = services.suggestion_acknowledge(suggestion=s, actor=unit_staff_user)
        if state == State.IN_PROGRESS:
            return s
        s = services.suggestion_unit_reply(suggestion=s, actor=unit_staff_user, text="已修复。")
        if state == State.UNIT_REPLIED:
            return s
        s = services.suggestion_publish(
            suggestion=s, actor=delegate_user, feedback_channel=FeedbackChannel.PHONE
        )
        if state == State.REPLIED:
            return s
        return services.suggestion_rate(suggestion=s, value=RatingValue.SATISFIED)

    return _walk
