"""Meeting pages: scoping per role, creating and editing meetings, topics, follow-ups."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from meetings import selectors, services
from meetings.models import FollowUp, Meeting, Topic
from tests.delegates.factories import DelegateFactory
from tests.meetings.conftest import MEETING_DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def bench(meeting_of):
    return meeting_of(kind=Meeting.Kind.BENCH, title="新民路社区板凳议事会")


@pytest.fixture
def topic(bench, submit, station_staff_user):
    lamps = [submit(title="新民路路灯不亮"), submit(title="新民路口路灯坏了")]
    return services.topic_create(
        meeting=bench, actor=station_staff_user, title="新民路路灯维修", suggestions=lamps
    )


def _staff_urls(meeting, topic, follow_up):
    return {
        "meetings:manage": reverse("meetings:manage", args=[meeting.pk]),
        "meetings:edit": reverse("meetings:edit", args=[meeting.pk]),
        "meetings:topic_create": reverse("meetings:topic_create", args=[meeting.pk]),
        "meetings:topic_proposals": reverse("meetings:topic_proposals", args=[meeting.pk]),
        "meetings:ballot_setup": reverse("meetings:ballot_setup", args=[meeting.pk]),
        "meetings:topic": reverse("meetings:topic", args=[topic.pk]),
        "meetings:topic_edit": reverse("meetings:topic_edit", args=[topic.pk]),
        "meetings:follow_up_done": reverse("meetings:follow_up_done", args=[follow_up.pk]),
    }


@pytest.fixture
def follow_up(topic, station_staff_user):
    services.topic_decide(topic=topic, actor=station_staff_user, decision="联系供电所更换灯具。")
    return services.follow_up_add(
        topic=topic,
        actor=station_staff_user,
        description="更换新民路路灯",
        owner="街道城建办",
        due_date=MEETING_DAY,
    )


# --- access ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, bench, topic, follow_up):
    urls = [
        reverse("meetings:list"),
        reverse("meetings:create"),
        reverse("meetings:satisfaction"),
        *_staff_urls(bench, topic, follow_up).values(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_another_stations_staff_get_404_everywhere(
    client, other_station_staff, rating_meeting, bench, topic, follow_up
):
    client.force_login(other_station_staff)
    for name, url in _staff_urls(bench, topic, follow_up).items():
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {}).status_code in (404, 405), name
    for name in ("meetings:ballot_issue", "meetings:ballot_close", "meetings:ballot_paper"):
        assert client.post(reverse(name, args=[rating_meeting.pk])).status_code == 404, name
    assert client.get(reverse("meetings:list"), {"station": bench.station_id}).status_code == 404
    listing = client.get(reverse("meetings:list")).content.decode()
    assert bench.title not in listing


def test_unit_staff_see_no_meetings(client, unit_staff_user, bench):
    client.force_login(unit_staff_user)
    assert client.get(reverse("meetings:manage", args=[bench.pk])).status_code == 404
    assert client.get(reverse("meetings:satisfaction")).status_code == 404


def test_a_stationed_delegate_reads_but_cannot_edit(client, delegate_user, bench, topic, follow_up):
    client.force_login(delegate_user)
    page = client.get(reverse("meetings:manage", args=[bench.pk]))
    assert page.status_code == 200
    assert topic.title in page.content.decode()
    assert reverse("meetings:edit", args=[bench.pk]) not in page.content.decode()
    assert client.get(reverse("meetings:edit", args=[bench.pk])).status_code == 404
    assert client.get(reverse("meetings:topic", args=[topic.pk])).status_code == 200
    done = client.post(
        reverse("meetings:follow_up_done", args=[follow_up.pk]), {f"done{follow_up.pk}-result": "x"}
    )
    assert done.status_code == 404
    assert FollowUp.objects.get().done_at is None


def test_huge_and_malformed_ids_are_404(client, station_staff_user):
    client.force_login(station_staff_user)
    assert client.get("/meetings/manage/99999999999999999999/").status_code == 404
    assert client.get("/meetings/manage/abc/").status_code == 404
    assert client.get(reverse("meetings:list"), {"station": "9" * 11}).status_code == 404


# --- meetings -------------------------------------------------------------------------------


def _meeting_form(client, for_station, **extra):
    page = client.get(reverse("meetings:create"), {"station": for_station.pk})
    key = re.search(r'name="submission_key" value="([^"]+)"', page.content.decode()).group(1)
    data = {
        "submission_key": key,
        "kind": "bench",
        "title": "金泉路社区板凳议事会",
        "station": for_station.pk,
        "date": "2026-07-10",
        "start_time": "09:30",
        "place": "金泉路社区小广场",
        "status": "planned",
        "committee_members": "社区主任王建华",
        "property_companies": "金泉物业",
        "agenda": "一、停车难\n二、路灯",
    }
    data.update(extra)
    return data


def test_staff_create_a_meeting_with_participants_once_even_if_posted_twice(
    client, station_staff_user, station, delegate
):
    client.force_login(station_staff_user)
    data = _meeting_form(client, station, delegates=[delegate.pk])

    first = client.post(reverse("meetings:create"), data)
    second = client.post(reverse("meetings:create"), data)

    meeting = Meeting.objects.get()
    assert first["Location"] == second["Location"] == meeting.get_manage_url()
    assert list(meeting.delegates.all()) == [delegate]
    assert meeting.organiser == station_staff_user
    page = client.get(meeting.get_manage_url()).content.decode()
    assert "金泉物业" in page and delegate.name in page
    assert AuditEvent.objects.filter(action="meeting.create", object_id=str(meeting.pk)).exists()


def test_a_delegate_of_another_station_cannot_be_recorded_as_attending(
    client, station_staff_user, station
):
    stranger = DelegateFactory()
    client.force_login(station_staff_user)

    response = client.post(
        reverse("meetings:create"), _meeting_form(client, station, delegates=[stranger.pk])
    )

    assert response.status_code == 400
    assert "金泉路社区板凳议事会" in response.content.decode()  # nothing typed is lost
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "field,value", [("title", "空字节\x00"), ("date", "2025-02-30"), ("agenda", "x" * 4001)]
)
def test_bad_input_is_a_form_error_not_a_500(client, station_staff_user, station, field, value):
    client.force_login(station_staff_user)
    response = client.post(
        reverse("meetings:create"), _meeting_form(client, station, **{field: value})
    )
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_staff_cannot_create_a_meeting_for_another_station(client, station_staff_user):
    from tests.stations.factories import StationFactory

    elsewhere = StationFactory()
    client.force_login(station_staff_user)
    data = _meeting_form(client, elsewhere)
    response = client.post(reverse("meetings:create"), data)
    assert response.status_code == 400
    assert not Meeting.objects.exists()


def test_editing_a_meeting_records_minutes(client, station_staff_user, bench):
    client.force_login(station_staff_user)
    page = client.get(reverse("meetings:edit", args=[bench.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("meetings:edit", args=[bench.pk]),
        {
            "kind": "bench",
            "title": bench.title,
            "date": "2026-06-28",
            "status": "held",
            "minutes": "与会居民一致同意先修路灯。",
        },
    )
    assert response.status_code == 302
    bench.refresh_from_db()
    assert bench.status == "held" and "先修路灯" in bench.minutes


def test_the_list_shows_a_stations_meetings(client, station_staff_user, bench, rating_meeting):
    client.force_login(station_staff_user)
    page = client.get(reverse("meetings:list"), {"station": bench.station_id}).content.decode()
    assert bench.title in page and rating_meeting.title in page


# --- topics ---------------------------------------------------------------------------------


def test_staff_group_picked_suggestions_into_a_topic(client, station_staff_user, bench, submit):
    picked = [submit(title="停车位不够"), submit(title="晚上车停到人行道上")]
    client.force_login(station_staff_user)
    page = client.get(reverse("meetings:topic_create", args=[bench.pk])).content.decode()
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)

    response = client.post(
        reverse("meetings:topic_create", args=[bench.pk]),
        {"submission_key": key, "title": "小区停车难", "suggestions": [s.pk for s in picked]},
    )

    assert response.status_code == 302
    topic = Topic.objects.get()
    assert set(topic.suggestions.all()) == set(picked)
    assert topic.meeting == bench and topic.station_id == bench.station_id


def test_a_suggestion_of_another_station_cannot_join_a_topic(station_staff_user, bench):
    from django.core.exceptions import ValidationError

    from tests.suggestions.factories import SubmittedSuggestionFactory

    foreign = SubmittedSuggestionFactory()
    with pytest.raises(ValidationError):
        services.topic_create(
            meeting=bench, actor=station_staff_user, title="x", suggestions=[foreign]
        )


def test_similar_open_suggestions_are_proposed_and_accepted_as_a_topic(
    client, station_staff_user, bench, submit, category
):
    lamps = [
        submit(title="新民路路灯不亮", content="新民路路灯晚上不亮，行人看不清。"),
        submit(title="新民路口路灯坏了", content="新民路口的路灯坏了一个月。"),
    ]
    submit(title="垃圾桶满了没人清", content="南苑小区垃圾桶每天溢出。")
    from tests.suggestions.factories import CategoryFactory

    submit(title="新民路路灯不亮了", content="同样的问题", category=CategoryFactory())

    proposals = selectors.topic_proposals(bench.station_id)
    assert [sorted(p.ids) for p in proposals] == [sorted(s.pk for s in lamps)]

    client.force_login(station_staff_user)
    page = client.get(reverse("meetings:topic_proposals", args=[bench.pk])).content.decode()
    key = re.search(r'name="p0-submission_key" value="([^"]+)"', page).group(1)
    ids = re.search(r'name="p0-suggestions" value="([^"]+)"', page).group(1)
    response = client.post(
        reverse("meetings:topic_proposals", args=[bench.pk]),
        {"prefix": "p0", "p0-submission_key": key, "p0-suggestions": ids, "p0-title": "新民路路灯"},
    )

    assert response.status_code == 302
    assert set(Topic.objects.get().suggestions.all()) == set(lamps)
    assert selectors.topic_proposals(bench.station_id) == []  # grouped ones are not offered again


def test_a_tampered_proposal_is_a_form_error(client, station_staff_user, bench):
    client.force_login(station_staff_user)
    response = client.post(
        reverse("meetings:topic_proposals", args=[bench.pk]),
        {"prefix": "p0", "p0-suggestions": "1,abc", "p0-title": "x", "p0-submission_key": ""},
    )
    assert response.status_code == 400
    assert not Topic.objects.exists()


def test_a_decision_becomes_follow_ups_tracked_until_done(client, station_staff_user, topic):
    client.force_login(station_staff_user)
    url = reverse("meetings:topic", args=[topic.pk])
    client.post(reverse("meetings:topic_decide", args=[topic.pk]), {"decision": "请供电所维修。"})
    client.post(
        reverse("meetings:follow_up_add", args=[topic.pk]),
        {"description": "维修路灯", "owner": "供电所", "due_date": "2026-07-15"},
    )
    client.post(
        reverse("meetings:follow_up_add", args=[topic.pk]),
        {"description": "回访居民", "owner": "王代表", "due_date": "2026-07-30"},
    )
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DELIBERATED
    first, second = FollowUp.objects.order_by("due_date")

    client.post(
        reverse("meetings:follow_up_done", args=[first.pk]), {f"done{first.pk}-result": "已修好"}
    )
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DELIBERATED
    missing_note = client.post(
        reverse("meetings:follow_up_done", args=[second.pk]), {f"done{second.pk}-result": ""}
    )
    assert missing_note.status_code == 400
    client.post(
        reverse("meetings:follow_up_done", args=[second.pk]), {f"done{second.pk}-result": "已回访"}
    )

    topic.refresh_from_db()
    assert topic.status == Topic.Status.DONE
    page = client.get(url).content.decode()
    assert "已修好" in page and "已回访" in page


def test_follow_ups_need_a_decision_first(client, station_staff_user, topic):
    client.force_login(station_staff_user)
    response = client.post(
        reverse("meetings:follow_up_add", args=[topic.pk]),
        {"description": "维修路灯", "owner": "供电所", "due_date": "2026-07-15"},
    )
    assert response.status_code == 400
    assert not FollowUp.objects.exists()


def test_a_topics_suggestions_show_the_meeting_in_their_trail(topic, bench):
    suggestion = topic.suggestions.first()

    trail = selectors.suggestion_meeting_trail(suggestion)

    assert len(trail) == 1
    assert trail[0]["at"] == bench.date
    assert bench.get_kind_display() in trail[0]["label"] and topic.title in trail[0]["label"]
    assert trail[0]["url"] == bench.get_absolute_url()


def test_the_public_meeting_page_shows_topics_but_not_suggestion_details(client, topic, bench):
    page = client.get(bench.get_absolute_url()).content.decode()
    assert topic.title in page
    first = topic.suggestions.first()
    assert first.tracking_code not in page and first.formatted_code not in page


def test_every_staff_page_renders_for_the_office(
    client, office_user, bench, rating_meeting, topic, follow_up
):
    client.force_login(office_user)
    for name, url in _staff_urls(rating_meeting, topic, follow_up).items():
        if name in ("meetings:follow_up_done", "meetings:topic_create", "meetings:topic_proposals"):
            continue
        assert client.get(url).status_code == 200, name
    for url in (
        reverse("meetings:list"),
        reverse("meetings:create"),
        reverse("meetings:satisfaction"),
        reverse("meetings:topic_create", args=[bench.pk]),
        reverse("meetings:topic_proposals", args=[bench.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert " style=" not in page.content.decode()
        assert "<script>" not in page.content.decode()


def test_the_satisfaction_page_filters_by_station_and_period(
    client, office_user, open_session, station_staff_user
):
    session, plain = open_session
    data = {f"item_{pk}": "satisfied" for pk in session.suggestions.values_list("id", flat=True)}
    client.post(reverse("meetings:ballot", args=[session.pk]), {"code": plain[0], **data})
    services.ballot_session_close(session=session, actor=station_staff_user)
    client.force_login(office_user)
    url = reverse("meetings:satisfaction")

    everything = client.get(url).content.decode()
    later = client.get(url, {"date_from": "2026-07-01"}).content.decode()
    bad = client.get(url, {"date_from": "2025-02-30", "station": "abc"})

    assert session.meeting.title in everything and "100%" in everything
    assert session.meeting.title not in later
    assert bad.status_code == 200
