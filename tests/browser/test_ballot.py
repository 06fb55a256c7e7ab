"""A voter at a 选民评单会: the ballot from its QR-code URL on a phone, once (journey 6)."""

import pytest

from congress_portal.clock import today
from meetings import services as meeting_services
from meetings.models import Ballot, Meeting
from suggestions import services
from suggestions.models import FeedbackChannel
from tests.browser.test_resident import zh

pytestmark = pytest.mark.browser


def _replied(world, title):
    suggestion = services.suggestion_submit(
        title=title,
        content=f"{title}，居民多次反映。",
        category=world.categories.roads,
        station=world.station,
    )
    suggestion = services.suggestion_accept(suggestion=suggestion, actor=world.delegate_user)
    return services.suggestion_handle_on_spot(
        suggestion=suggestion,
        actor=world.delegate_user,
        result="代表现场协调，已解决。",
        feedback_channel=FeedbackChannel.ON_SITE,
    )


def test_voter_votes_on_a_phone_from_the_ballot_url_and_the_code_is_refused_the_second_time(
    visitor_factory, world
):
    meeting = meeting_services.meeting_create(
        actor=world.staff_user,
        station=world.station,
        kind=Meeting.Kind.RATING,
        title="2026年下半年选民评单会",
        date=today(),
    )
    items = [_replied(world, "新民路路灯不亮"), _replied(world, "富民路口缺少红绿灯")]
    session = meeting_services.ballot_session_prepare(
        meeting=meeting, actor=world.staff_user, suggestions=items, voters=3
    )
    code = meeting_services.ballot_codes_issue(session=session, actor=world.staff_user)[0]
    ballot_path = f"/meetings/vote/{session.pk}/{code}/"

    voter = visitor_factory("phone")
    page = voter.page
    voter.goto(ballot_path)
    assert page.get_by_role("heading", level=1).inner_text() == "2026年下半年选民评单会"
    voter.check("ballot")
    items_on_page = page.locator("fieldset.meetings-ballot-item")
    assert items_on_page.count() == 2
    items_on_page.nth(0).get_by_label(zh("satisfied"), exact=True).check()
    items_on_page.nth(1).get_by_label(zh("basically satisfied")).check()
    page.get_by_role("button", name=zh("Submit my ballot")).click()
    page.wait_for_url(f"**/meetings/vote/{session.pk}/thanks/")
    voter.check("ballot-thanks")
    assert Ballot.objects.filter(session=session).count() == 1

    # The same code again, from the same URL: refused, nothing counted twice.
    voter.goto(ballot_path, expect=409)
    assert page.get_by_role("button", name=zh("Submit my ballot")).count() == 0
    voter.check("ballot-refused")
    assert Ballot.objects.filter(session=session).count() == 1
