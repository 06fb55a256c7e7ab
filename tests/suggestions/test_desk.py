"""The staff desk through the web: workbench, entry, steps of the loop, trail, attachments."""

import datetime
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import AuditEvent
from congress_portal.clock import frozen_at, now
from suggestions import services
from suggestions.models import Channel, State, Suggestion, Verb
from tests.accounts.factories import DelegateUserFactory
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import ReceptionDayFactory

pytestmark = pytest.mark.django_db

PHONE_RE = re.compile(r"1[3-9]\d{9}")


def _step(client, suggestion, step, **data):
    return client.post(reverse("suggestions:desk_step", args=[suggestion.pk, step]), data)


def _detail(client, suggestion):
    return client.get(reverse("suggestions:desk_detail", args=[suggestion.pk]))


def _queue(client, tab, **params):
    response = client.get(reverse("suggestions:desk"), {"tab": tab, **params})
    assert response.status_code == 200
    return response


def _listed(response, suggestion) -> bool:
    return reverse("suggestions:desk_detail", args=[suggestion.pk]) in response.content.decode()


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def test_the_whole_loop_through_the_web_ends_back_in_the_delegates_queue_as_reopened(
    client, station, category, handling_unit, delegate_user, unit_staff_user
):
    # A resident submits on the public form and follows the code.
    page = client.get(reverse("suggestions:new"))
    key = re.search(r'name="submission_key" value="([^"]+)"', page.content.decode()).group(1)
    client.post(
        reverse("suggestions:new"),
        {
            "submission_key": key,
            "station": station.pk,
            "category": category.pk,
            "title": "村口路灯不亮",
            "content": "晚上出行不便。",
            "submitter_phone": "13800138000",
            "privacy": "on",
        },
    )
    suggestion = Suggestion.objects.get()
    track = reverse("suggestions:track_detail", args=[suggestion.tracking_code])

    # The delegate sees it as new at their station, takes it and dispatches it.
    client.force_login(delegate_user)
    assert _listed(_queue(client, "new"), suggestion)
    assert _step(client, suggestion, "accept").status_code == 302
    assert _listed(_queue(client, "mine"), suggestion)
    response = _step(
        client,
        suggestion,
        "dispatch",
        **{"dispatch-unit": handling_unit.pk, "dispatch-workdays": 5},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == State.DISPATCHED and suggestion.handling_unit == handling_unit

    # The unit acknowledges and replies with a photo.
    client.force_login(unit_staff_user)
    assert _listed(_queue(client, "inbox"), suggestion)
    _step(client, suggestion, "acknowledge")
    photo = SimpleUploadedFile("fixed.jpg", _jpeg(), content_type="image/jpeg")
    response = client.post(
        reverse("suggestions:desk_step", args=[suggestion.pk, "unit_reply"]),
        {"unit_reply-text": "路灯已更换。", "unit_reply-files": [photo]},
    )
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.state == State.UNIT_REPLIED
    assert suggestion.attachments.filter(kind="reply").count() == 1

    # The delegate reviews and publishes; the resident sees the reply and is unsatisfied.
    client.force_login(delegate_user)
    assert _listed(_queue(client, "review"), suggestion)
    _step(
        client,
        suggestion,
        "publish",
        **{"publish-feedback_channel": "phone", "publish-reply": "路灯已于本周更换。"},
    )
    client.logout()
    assert "路灯已于本周更换。" in client.get(track).content.decode()
    client.post(
        reverse("suggestions:rate", args=[suggestion.tracking_code]),
        {"value": "unsatisfied", "comment": "还是不亮"},
    )

    client.force_login(delegate_user)
    mine = _queue(client, "mine")
    assert _listed(mine, suggestion)
    assert "reopened" in mine.content.decode() or "重新办理" in mine.content.decode()
    assert _listed(_queue(client, "all", reopened="1"), suggestion)
    trail = _detail(client, suggestion).content.decode()
    for verb in (Verb.ACCEPT, Verb.DISPATCH, Verb.ACKNOWLEDGE, Verb.UNIT_REPLY, Verb.PUBLISH):
        assert str(Verb(verb).label) in trail


def test_a_second_delegate_accepting_is_told_who_took_it(client, walk_to, station, delegate):
    suggestion = walk_to(State.SUBMITTED)
    other = DelegateFactory(user=DelegateUserFactory(), name="刘代表")
    other.stations.add(station)
    client.force_login(other.user)
    page = _detail(client, suggestion)  # both see the button
    services.suggestion_accept(suggestion=suggestion, actor=delegate.user)
    assert reverse("suggestions:desk_step", args=[suggestion.pk, "accept"]) in page.content.decode()
    response = _step(client, suggestion, "accept")
    assert response.status_code == 302
    messages = client.get(response["Location"]).content.decode()
    assert delegate.name in messages
    suggestion.refresh_from_db()
    assert suggestion.delegate == delegate


def test_a_bad_dispatch_keeps_what_was_typed_and_changes_nothing(
    client, walk_to, delegate_user, handling_unit
):
    suggestion = walk_to(State.ACCEPTED)
    client.force_login(delegate_user)
    response = _step(
        client,
        suggestion,
        "dispatch",
        **{
            "dispatch-unit": handling_unit.pk,
            "dispatch-workdays": 0,
            "dispatch-note": "请尽快到现场查看",
        },
    )
    assert response.status_code == 400
    assert "请尽快到现场查看" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.state == State.ACCEPTED


def test_a_step_the_user_may_not_take_is_refused_with_a_message(
    client, walk_to, station_staff_user
):
    suggestion = walk_to(State.ACCEPTED)
    client.force_login(station_staff_user)
    response = client.post(
        reverse("suggestions:desk_step", args=[suggestion.pk, "urge"]),
        {"urge-note": "快点"},
        follow=True,
    )
    said = [str(message) for message in response.context["messages"]]
    assert said and "代表" in said[0]  # only the delegate who took it, or the office
    assert AuditEvent.objects.filter(action="suggestion.step_denied").exists()
    suggestion.refresh_from_db()
    assert not suggestion.events.filter(verb=Verb.URGE).exists()


def test_only_the_holder_sees_the_dispatch_form(client, walk_to, station, station_staff_user):
    suggestion = walk_to(State.ACCEPTED)
    other = DelegateFactory(user=DelegateUserFactory())
    other.stations.add(station)
    client.force_login(other.user)
    assert "dispatch-workdays" not in _detail(client, suggestion).content.decode()
    response = _step(client, suggestion, "dispatch", **{"dispatch-workdays": 5})
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.ACCEPTED
    assert response.status_code in (302, 400)


def test_the_unit_sees_urges_and_can_ask_for_more_time(
    client, walk_to, delegate_user, unit_staff_user
):
    suggestion = walk_to(State.IN_PROGRESS)
    client.force_login(delegate_user)
    _step(client, suggestion, "urge", **{"urge-note": "请本周内答复"})
    client.force_login(unit_staff_user)
    page = _detail(client, suggestion).content.decode()
    assert "请本周内答复" in page
    _step(
        client,
        suggestion,
        "request_extension",
        **{"request_extension-workdays": 3, "request_extension-reason": "需要协调施工队"},
    )
    client.force_login(delegate_user)
    deadline = Suggestion.objects.get(pk=suggestion.pk).deadline
    _step(client, suggestion, "decide_extension", **{"decide_extension-approve": "yes"})
    assert Suggestion.objects.get(pk=suggestion.pk).deadline > deadline


def test_the_unit_refuses_and_it_is_back_with_the_delegate(
    client, walk_to, delegate_user, unit_staff_user
):
    suggestion = walk_to(State.DISPATCHED)
    client.force_login(unit_staff_user)
    _step(client, suggestion, "refuse", **{"refuse-text": "不属于本单位职责"})
    suggestion.refresh_from_db()
    assert suggestion.state == State.ACCEPTED and suggestion.handling_unit is None
    client.force_login(delegate_user)
    assert _listed(_queue(client, "mine"), suggestion)


def test_a_unit_that_refuses_lands_on_its_desk_with_the_confirmation(
    client, walk_to, unit_staff_user
):
    suggestion = walk_to(State.DISPATCHED)
    client.force_login(unit_staff_user)
    response = _step(client, suggestion, "refuse", **{"refuse-text": "不属于本单位职责"})
    assert response.status_code == 302 and response.url == reverse("suggestions:desk")
    page = client.get(response.url)
    assert page.status_code == 200
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    assert 'class="alert alert-success"' in page.content.decode()
    # The refused suggestion is no longer the unit's to see: its page would be a 404.
    assert _detail(client, suggestion).status_code == 404


def test_a_step_that_keeps_the_row_visible_returns_to_its_page(client, walk_to, delegate_user):
    suggestion = walk_to(State.ACCEPTED)
    client.force_login(delegate_user)
    response = _step(
        client,
        suggestion,
        "on_spot",
        **{"on_spot-text": "当场联系物业修好", "on_spot-feedback_channel": "on_site"},
    )
    assert response.url == reverse("suggestions:desk_detail", args=[suggestion.pk])


def test_send_back_returns_the_reply_to_the_unit(client, walk_to, delegate_user, unit_staff_user):
    suggestion = walk_to(State.UNIT_REPLIED)
    client.force_login(delegate_user)
    _step(client, suggestion, "send_back", **{"send_back-text": "请写明完成时间"})
    client.force_login(unit_staff_user)
    assert _listed(_queue(client, "working"), suggestion)
    assert "请写明完成时间" in _detail(client, suggestion).content.decode()


def test_handled_on_the_spot_and_explained_answer_the_resident(client, walk_to, delegate_user):
    first, second = walk_to(State.ACCEPTED), walk_to(State.ACCEPTED)
    client.force_login(delegate_user)
    _step(
        client,
        first,
        "on_spot",
        **{"on_spot-text": "当场联系物业修好", "on_spot-feedback_channel": "on_site"},
    )
    _step(client, second, "explain", **{"explain-text": "", "explain-feedback_channel": "phone"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.REPLIED and first.reply == "当场联系物业修好"
    assert second.state == State.ACCEPTED  # the explanation is required


def test_merge_by_tracking_code(client, walk_to, submit, delegate_user):
    duplicate = walk_to(State.ACCEPTED)
    survivor = submit(title="同一盏路灯")
    client.force_login(delegate_user)
    _step(client, duplicate, "merge", **{"merge-into": survivor.formatted_code.lower()})
    duplicate.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == survivor
    assert duplicate.formatted_code in _detail(client, survivor).content.decode()
    # The duplicate's trail names the survivor the way the code is read out.
    trail = _detail(client, duplicate).content.decode()
    assert f'<span class="desk-event-data">{survivor.formatted_code}</span>' in trail


def test_office_reassigns_to_another_delegate(client, walk_to, station, office_user):
    suggestion = walk_to(State.DISPATCHED)
    other = DelegateFactory(user=DelegateUserFactory(), name="赵代表")
    other.stations.add(station)
    client.force_login(office_user)
    _step(client, suggestion, "reassign", **{"reassign-delegate": other.pk})
    suggestion.refresh_from_db()
    assert suggestion.delegate == other


def test_search_finds_chinese_substrings_and_codes(client, submit, office_user):
    lamp = submit(title="新民路路灯不亮", content="晚上太黑")
    road = submit(title="田间路被冲毁", content="白额村")
    client.force_login(office_user)
    assert _listed(_queue(client, "all", q="路灯"), lamp)
    assert not _listed(_queue(client, "all", q="路灯"), road)
    assert _listed(_queue(client, "all", q="白额"), road)
    spaced = road.formatted_code.replace("-", " ").lower()
    found = _queue(client, "all", q=spaced)
    assert _listed(found, road) and not _listed(found, lamp)


def test_tab_counts_and_the_overdue_filter(client, walk_to, delegate_user):
    late = walk_to(State.DISPATCHED)
    walk_to(State.SUBMITTED)
    client.force_login(delegate_user)
    with frozen_at(now() + datetime.timedelta(days=30)):
        page = _queue(client, "overdue")
        assert _listed(page, late)
        assert re.search(r'desk-count">\s*1\s*<', page.content.decode())
        assert _listed(_queue(client, "all", overdue="1"), late)
    assert not _listed(_queue(client, "all", overdue="1"), late)


def test_the_workbench_pages(client, submit, office_user):
    for n in range(27):
        submit(title=f"建议{n}")
    client.force_login(office_user)
    first = _queue(client, "all")
    assert len(first.context["suggestions"]) == 25 and first.context["page"].older
    second = _queue(client, "all", after=first.context["page"].older)
    assert len(second.context["suggestions"]) == 2
    assert client.get(reverse("suggestions:desk"), {"page": "x"}).status_code == 200


def _entry_form(client, **overrides):
    page = client.get(reverse("suggestions:desk_new"))
    assert page.status_code == 200
    key = re.search(r'name="submission_key" value="([^"]+)"', page.content.decode()).group(1)
    data = {"submission_key": key, "title": "楼道灯坏了", "content": "三单元楼道灯不亮。"}
    data.update(overrides)
    return data


def test_staff_enter_a_suggestion_heard_by_phone_and_hand_it_to_a_delegate(
    client, station, category, delegate, station_staff_user
):
    client.force_login(station_staff_user)
    data = _entry_form(
        client,
        channel=Channel.PHONE,
        station=station.pk,
        category=category.pk,
        submitter_phone="13900139000",
        delegate=delegate.pk,
    )
    response = client.post(reverse("suggestions:desk_new"), data)
    assert response.status_code == 302
    client.post(reverse("suggestions:desk_new"), data)  # the same form twice
    suggestion = Suggestion.objects.get()
    assert suggestion.channel == Channel.PHONE and suggestion.entered_by == station_staff_user
    assert suggestion.state == State.ACCEPTED and suggestion.delegate == delegate
    page = client.get(response["Location"]).content.decode()
    assert suggestion.formatted_code in page


def test_staff_are_offered_only_the_communities_of_their_own_streets_area(
    client, station, category, station_staff_user
):
    # Issue 14: 东南街道's staff were offered 中垛乡's villages.
    from stations.models import Region
    from tests.stations.factories import StationFactory

    own = Region.objects.create(name="新民社区", kind=Region.Kind.COMMUNITY, parent=station.region)
    township = Region.objects.create(
        name="中垛乡", kind=Region.Kind.TOWNSHIP, parent=station.region.parent
    )
    elsewhere = Region.objects.create(name="王庄村", kind=Region.Kind.VILLAGE, parent=township)
    StationFactory(name="中垛乡人大代表联络站", region=township)
    client.force_login(station_staff_user)

    for params in ({}, {"station": station.pk}):
        page = client.get(reverse("suggestions:desk_new"), params)
        offered = set(page.context["form"].fields["place"].queryset)
        assert own in offered and elsewhere not in offered, params
        assert "王庄村" not in page.content.decode()

    data = _entry_form(client, channel=Channel.PHONE, station=station.pk, category=category.pk)
    refused = client.post(reverse("suggestions:desk_new"), {**data, "place": elsewhere.pk})
    assert refused.status_code == 200 and "place" in refused.context["form"].errors
    assert not Suggestion.objects.exists()
    saved = client.post(reverse("suggestions:desk_new"), {**data, "place": own.pk})
    assert saved.status_code == 302
    assert Suggestion.objects.get().place == own


def test_a_reception_day_channel_needs_the_day_of_the_same_station(
    client, station, category, station_staff_user
):
    client.force_login(station_staff_user)
    data = _entry_form(
        client, channel=Channel.RECEPTION_DAY, station=station.pk, category=category.pk
    )
    response = client.post(reverse("suggestions:desk_new"), data)
    assert response.status_code == 200 and not Suggestion.objects.exists()
    assert "楼道灯坏了" in response.content.decode()
    day = ReceptionDayFactory(station=station, date=now().date())
    data["reception_day"] = day.pk
    assert client.post(reverse("suggestions:desk_new"), data).status_code == 302
    assert Suggestion.objects.get().reception_day == day


def test_a_delegate_not_stationed_there_cannot_be_chosen(
    client, station, category, station_staff_user
):
    stranger = DelegateFactory()
    client.force_login(station_staff_user)
    data = _entry_form(
        client,
        channel=Channel.VISIT,
        station=station.pk,
        category=category.pk,
        delegate=stranger.pk,
    )
    assert client.post(reverse("suggestions:desk_new"), data).status_code == 200
    assert not Suggestion.objects.exists()


def test_a_delegate_enters_and_takes_it_at_once(client, station, category, delegate_user):
    client.force_login(delegate_user)
    data = _entry_form(
        client, channel=Channel.WECHAT, station=station.pk, category=category.pk, take_myself="on"
    )
    client.post(reverse("suggestions:desk_new"), data)
    assert Suggestion.objects.get().state == State.ACCEPTED


def test_phones_are_masked_hidden_from_units_and_revealed_only_on_an_audited_post(
    client, walk_to, delegate_user, unit_staff_user, station_staff_user, office_user
):
    suggestion = walk_to(State.IN_PROGRESS)
    for user in (delegate_user, station_staff_user, office_user):
        client.force_login(user)
        page = _detail(client, suggestion).content.decode()
        assert "138****8000" in page and not PHONE_RE.search(page)
    client.force_login(unit_staff_user)
    page = _detail(client, suggestion).content.decode()
    assert "8000" not in page and "王大妈" not in page

    reveal = reverse("suggestions:desk_reveal_phone", args=[suggestion.pk])
    client.force_login(office_user)
    assert client.post(reveal).status_code == 404  # the office needs the reveal right
    office_user.user_permissions.add(Permission.objects.get(codename="reveal_phone"))
    client.force_login(office_user)
    response = client.post(reveal)
    assert "13800138000" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="suggestion.phone_revealed").count() == 1
    assert "13800138000" not in str(AuditEvent.objects.values_list("detail", flat=True))


def test_attachments_are_served_through_the_scope_with_nosniff(
    client, submit, delegate_user, unit_staff_user
):
    photo = SimpleUploadedFile("a.jpg", _jpeg(), content_type="image/jpeg")
    photo.content_type = "image/jpeg"
    suggestion = submit(photos=[photo])
    attachment = suggestion.attachments.get()
    url = reverse("suggestions:attachment", args=[attachment.pk])
    client.force_login(delegate_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    client.force_login(unit_staff_user)  # not dispatched to this unit
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_a_reply_file_that_is_html_is_refused(client, walk_to, unit_staff_user):
    suggestion = walk_to(State.IN_PROGRESS)
    client.force_login(unit_staff_user)
    fake = SimpleUploadedFile(
        "x.jpg", b"<html><script>alert(1)</script>", content_type="image/jpeg"
    )
    response = client.post(
        reverse("suggestions:desk_step", args=[suggestion.pk, "unit_reply"]),
        {"unit_reply-text": "已办结", "unit_reply-files": [fake]},
    )
    assert response.status_code == 400
    assert "已办结" in response.content.decode()
    assert Suggestion.objects.get(pk=suggestion.pk).state == State.IN_PROGRESS


def test_links_from_the_dashboard_filter_by_area_and_several_states(
    client, walk_to, submit, office_user, station
):
    from tests.stations.factories import RegionFactory, StationFactory

    replied, closed, new = walk_to(State.REPLIED), walk_to(State.CLOSED), walk_to(State.SUBMITTED)
    client.force_login(office_user)
    handled = _queue(client, "all", state=["replied", "closed"])
    assert _listed(handled, replied) and _listed(handled, closed) and not _listed(handled, new)

    area = station.region
    elsewhere = submit(station=StationFactory(region=RegionFactory()))
    in_area = _queue(client, "all", region=area.parent_id or area.pk)
    assert _listed(in_area, new) and not _listed(in_area, elsewhere)


def test_the_workbench_and_the_detail_page_make_a_bounded_number_of_queries(
    client, walk_to, submit, delegate_user, django_assert_max_num_queries
):
    suggestion = walk_to(State.UNIT_REPLIED)
    for n in range(30):
        submit(title=f"建议{n}")
    client.force_login(delegate_user)
    client.get(reverse("suggestions:desk"))  # warm the session
    with django_assert_max_num_queries(18):
        _queue(client, "all")
    with django_assert_max_num_queries(22):
        assert _detail(client, suggestion).status_code == 200
