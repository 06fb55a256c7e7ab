"""A voter at a 选民评单会: the ballot from its QR code on a phone, once (journey 6)."""

from urllib.parse import urlsplit

import pytest

from congress_portal.clock import today
from meetings import services as meeting_services
from meetings.models import Meeting, StagedBallot
from meetings.views import ballot_url
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


def test_voter_votes_on_a_phone_from_the_qr_code_and_the_code_is_refused_the_second_time(
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
    codes = meeting_services.ballot_codes_issue(session=session, actor=world.staff_user)
    code = codes[0]
    # What the slip's QR code holds: the code only in the fragment, never sent to the server.
    scanned = urlsplit(ballot_url(session, code))
    qr_path = f"{scanned.path}#{scanned.fragment}"
    assert scanned.fragment == code and code not in scanned.path

    voter = visitor_factory("phone")
    page = voter.page
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    # The entry page's script takes the code out of the address bar and posts it (goto waits
    # only for the landing page's commit: the script navigates on before its load event).
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        landing = page.goto(qr_path, wait_until="commit")
    assert landing.status == 200
    assert posted.value.status == 200
    page.wait_for_selector("fieldset.meetings-ballot-item")  # the ballot, not the landing
    assert code not in page.url
    assert page.evaluate("window.location.hash") == ""
    assert page.get_by_role("heading", level=1).inner_text() == "2026年下半年选民评单会"
    voter.check("ballot")
    items_on_page = page.locator("fieldset.meetings-ballot-item")
    assert items_on_page.count() == 2
    items_on_page.nth(0).get_by_label(zh("satisfied"), exact=True).check()
    items_on_page.nth(1).get_by_label(zh("basically satisfied")).check()
    page.get_by_role("button", name=zh("Submit my ballot")).click()
    page.wait_for_url(f"**/meetings/vote/{session.pk}/thanks/")
    voter.check("ballot-thanks")
    assert StagedBallot.objects.filter(session=session).count() == 1

    # The same slip scanned again: refused, nothing counted twice.
    voter.expect_status(409)
    with page.expect_response(lambda r: r.request.method == "POST") as again:
        page.goto(qr_path, wait_until="commit")
    assert again.value.status == 409
    page.wait_for_selector(".meetings-refusal")
    assert page.get_by_role("button", name=zh("Submit my ballot")).count() == 0
    voter.check("ballot-refused")
    assert StagedBallot.objects.filter(session=session).count() == 1
    # What reached the server (and its access log): no path or query held the code.
    assert sent and not any(code in urlsplit(url).path + urlsplit(url).query for url in sent)

    # Without the QR code: the code typed from the slip opens the ballot the same way.
    typist = visitor_factory("phone")
    typist.goto("meetings:ballot_entry", session.pk)
    typist.page.get_by_label(zh("Ballot code")).fill(codes[1][:5] + "-" + codes[1][5:])
    typist.page.get_by_role("button", name=zh("Open my ballot")).click()
    typist.page.wait_for_selector("fieldset.meetings-ballot-item")
    assert codes[1] not in typist.page.url
