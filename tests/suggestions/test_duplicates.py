"""Duplicates and 附议 (issue 14, section 3): similar suggestions while typing, supporting an
existing suggestion instead of filing it again, likely duplicates with one-click merge on the
desk, a merged duplicate's resident following the survivor, and the supporter counts."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from congress_portal.crypto import phone_digest
from dashboard import rollups
from suggestions import services, views
from suggestions.models import State, Suggestion, SuggestionEvent, Supporter, Verb
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

SIMILAR = reverse("suggestions:similar")
DESK_SIMILAR = reverse("suggestions:desk_similar")


def _public(pk):
    return reverse("suggestions:public_detail", args=[pk])


@pytest.fixture
def told(monkeypatch):
    """Every message the notifier is asked to send: (phone, template, tracking code)."""
    sent = []

    def record(*, phone, template, tracking_code, title):
        sent.append((phone, template, tracking_code))

    monkeypatch.setattr(services, "notify_resident", record)
    return sent


@pytest.fixture
def lamp(submit):
    """An open, public suggestion about the street lamps of Xinmin Road."""
    return submit(title="新民路路灯不亮", consent_disclosure=True)


def _similar(client, title, station, url=SIMILAR, **extra):
    return client.get(url, {"title": title, "station": station.pk, **extra})


# --- similar suggestions while typing -----------------------------------------------------------


def test_typing_finds_the_similar_open_public_suggestion_of_the_area(client, lamp, station):
    neighbour = StationFactory(region=station.region)  # same street
    response = _similar(client, "新民路的路灯坏了", neighbour)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["url"] for r in results] == [_public(lamp.pk)]
    assert results[0]["title"] == lamp.title
    assert results[0]["supporters"] == 0
    # Nothing personal, and no tracking code, reaches a resident.
    body = response.content.decode()
    assert lamp.tracking_code not in body
    assert "13800138000" not in body and "王大妈" not in body
    assert response["Cache-Control"] == "private, no-store"


def test_typing_does_not_find_private_closed_or_other_area_suggestions(
    client, submit, walk_to, station
):
    submit(title="新民路路灯不亮", consent_disclosure=False)  # not public
    walk_to(State.CLOSED, consent_disclosure=True)  # no longer open
    elsewhere = StationFactory()  # another district
    submit(title="新民路路灯不亮", consent_disclosure=True, station=elsewhere)
    assert _similar(client, "新民路路灯不亮", station).json()["results"] == []


def test_unrelated_titles_short_input_and_no_station_find_nothing(client, lamp, station):
    assert _similar(client, "垃圾清运不及时", station).json()["results"] == []
    assert _similar(client, "路", station).json()["results"] == []
    response = client.get(SIMILAR, {"title": "路灯不亮"})
    assert response.status_code == 200 and response.json()["results"] == []
    response = client.get(SIMILAR, {"title": "路灯\x00不亮", "station": "abc"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_the_best_match_comes_first_and_at_most_five(client, submit, station):
    for n in range(7):
        submit(title=f"新民路路灯{n}", consent_disclosure=True)
    best = submit(title="新民路路灯不亮了", consent_disclosure=True)
    results = _similar(client, "新民路路灯不亮", station).json()["results"]
    assert len(results) == 5
    assert results[0]["url"] == _public(best.pk)


def test_the_similar_endpoint_is_rate_limited(client, lamp, station, monkeypatch):
    monkeypatch.setattr(views, "SIMILAR_REQUESTS", 3)
    codes = [_similar(client, "路灯不亮", station).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200]
    assert codes[3:] == [429, 429]


def test_the_similar_endpoint_makes_a_bounded_number_of_queries(
    client, submit, station, django_assert_max_num_queries
):
    for n in range(20):
        submit(title=f"新民路路灯不亮{n}", consent_disclosure=True)
    with django_assert_max_num_queries(4):
        assert len(_similar(client, "新民路路灯不亮", station).json()["results"]) == 5


def test_staff_see_private_suggestions_of_their_scope_only(
    client, submit, station, station_staff_user, category
):
    private = submit(title="新民路路灯不亮", consent_disclosure=False)
    client.force_login(station_staff_user)
    results = _similar(client, "新民路路灯坏了", station, DESK_SIMILAR).json()["results"]
    assert [r["url"] for r in results] == [reverse("suggestions:desk_detail", args=[private.pk])]
    assert results[0]["code"] == private.formatted_code
    # Another district's station is outside the staff's scope: nothing of it.
    elsewhere = StationFactory()
    submit(title="新民路路灯不亮", station=elsewhere)
    assert _similar(client, "新民路路灯不亮", elsewhere, DESK_SIMILAR).json()["results"] == []


def test_units_and_residents_cannot_use_the_staff_endpoint(client, unit_staff_user, station):
    assert _similar(client, "路灯不亮", station, DESK_SIMILAR).status_code == 302
    client.force_login(unit_staff_user)
    assert _similar(client, "路灯不亮", station, DESK_SIMILAR).status_code == 404


def test_the_forms_carry_the_similar_box_and_its_static_script(client, station, station_staff_user):
    page = client.get(reverse("suggestions:new")).content.decode()
    assert f'data-similar-url="{SIMILAR}"' in page
    assert "js/similar.js" in page
    client.force_login(station_staff_user)
    page = client.get(reverse("suggestions:desk_new")).content.decode()
    assert f'data-similar-url="{DESK_SIMILAR}"' in page


# --- 附议: support -------------------------------------------------------------------------------


def _support(client, suggestion, phone="", **extra):
    data = {"phone": phone, "privacy": "on", "submission_key": str(uuid.uuid4()), **extra}
    return client.post(_public(suggestion.pk), data)


def test_support_adds_a_supporter_an_event_and_the_count(client, lamp):
    response = _support(client, lamp, "+86 139-0013-9000")
    assert response.status_code == 302
    assert response["Location"] == _public(lamp.pk)
    lamp.refresh_from_db()
    assert lamp.supporter_count == 1
    assert lamp.state == State.SUBMITTED  # no state change
    assert list(lamp.supporters.values_list("phone", flat=True)) == ["13900139000"]
    event = lamp.events.get(verb=Verb.SUPPORT)
    assert event.from_state == event.to_state == State.SUBMITTED
    assert "13900139000" not in str(event.data)
    page = client.get(_public(lamp.pk))
    assert 'data-supporters="1"' in page.content.decode()
    assert "13900139000" not in page.content.decode()


def test_the_same_phone_cannot_support_twice(client, lamp):
    assert _support(client, lamp, "13900139000").status_code == 302
    again = _support(client, lamp, "139 0013 9000")
    assert again.status_code == 400
    assert again.context["form"].errors["phone"]
    lamp.refresh_from_db()
    assert lamp.supporter_count == 1 and lamp.supporters.count() == 1
    # Without a phone anyone may add a support; the same form posted twice counts once.
    key = str(uuid.uuid4())
    assert _support(client, lamp, submission_key=key).status_code == 302
    assert _support(client, lamp, submission_key=key).status_code == 302
    lamp.refresh_from_db()
    assert lamp.supporter_count == 2


def test_support_needs_the_privacy_consent_and_a_real_phone(client, lamp):
    assert client.post(_public(lamp.pk), {"phone": "", "privacy": ""}).status_code == 400
    assert _support(client, lamp, "12345").status_code == 400
    assert not Supporter.objects.exists()


def test_support_shares_the_submission_limits(client, lamp, monkeypatch):
    monkeypatch.setattr(views, "PHONE_LIMIT", 1)
    other = services.suggestion_submit(
        title="另一件事",
        content="内容",
        category=lamp.category,
        station=lamp.station,
        consent_disclosure=True,
    )
    assert _support(client, lamp, "13900139000").status_code == 302
    assert _support(client, other, "13900139000").status_code == 429
    monkeypatch.setattr(views, "SUBMIT_LIMIT", 2)
    assert _support(client, other).status_code == 429
    assert Supporter.objects.count() == 1


def test_private_merged_or_closed_suggestions_cannot_be_supported(client, submit, walk_to):
    private = submit(consent_disclosure=False)
    assert client.get(_public(private.pk)).status_code == 404
    assert _support(client, private).status_code == 404
    closed = walk_to(State.CLOSED, consent_disclosure=True)
    assert client.get(_public(closed.pk)).status_code == 200
    assert _support(client, closed).status_code == 400
    assert not Supporter.objects.exists()
    assert client.get(_public(999999999)).status_code == 404


def test_the_public_page_makes_a_bounded_number_of_queries(
    client, lamp, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        assert client.get(_public(lamp.pk)).status_code == 200


def test_supporters_are_told_when_it_is_answered_and_closed(
    client, walk_to, told, django_capture_on_commit_callbacks, delegate_user
):
    suggestion = walk_to(State.UNIT_REPLIED, consent_disclosure=True)
    services.suggestion_support(suggestion=suggestion, phone="13900139000")
    services.suggestion_support(suggestion=suggestion)  # no phone: nobody to tell
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_publish(
            suggestion=suggestion, actor=delegate_user, feedback_channel="phone"
        )
    assert ("13900139000", "supporter_replied", "") in told
    assert ("13800138000", "replied", suggestion.tracking_code) in told
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_rate(suggestion=suggestion, value="satisfied")
    assert ("13900139000", "supporter_closed", "") in told


# --- merging: the survivor's trail, the resident of the duplicate, the counts ------------------


@pytest.fixture
def merged(submit, lamp, delegate_user):
    services.suggestion_support(suggestion=lamp, phone="13700137000")
    duplicate = submit(title="新民路路灯坏了", submitter_name="李四", submitter_phone="13911112222")
    services.suggestion_support(suggestion=duplicate, phone="13600136000", actor=delegate_user)
    services.suggestion_merge(suggestion=duplicate, into=lamp, actor=delegate_user)
    duplicate.refresh_from_db()
    lamp.refresh_from_db()
    return duplicate, lamp


def test_merging_moves_the_support_to_the_survivor_and_records_it_there(merged):
    duplicate, survivor = merged
    # 1 supporter before + the duplicate's resident + the duplicate's 1 supporter.
    assert survivor.supporter_count == 3
    assert duplicate.supporter_count == 0
    assert set(survivor.supporters.values_list("phone", flat=True)) == {
        "13700137000",
        "13911112222",
        "13600136000",
    }
    assert (
        survivor.supporters.get(phone_digest=phone_digest("13911112222")).merged_from == duplicate
    )
    absorb = survivor.events.get(verb=Verb.ABSORB)
    assert absorb.data["duplicate"] == duplicate.tracking_code
    assert absorb.data["supporters"] == 2
    assert rollups.check().ok


def test_the_merged_resident_sees_what_it_joined_without_its_personal_data(client, merged):
    duplicate, survivor = merged
    page = client.get(reverse("suggestions:track_detail", args=[duplicate.tracking_code]))
    html = page.content.decode()
    assert 'id="merged-into"' in html
    assert survivor.title in html  # public: its title and its public page
    assert _public(survivor.pk) in html
    assert survivor.tracking_code not in html
    assert "138****8000" not in html and "王大妈" not in html


def test_the_merged_resident_and_supporters_are_told_when_the_survivor_is_answered(
    merged, told, delegate_user, django_capture_on_commit_callbacks
):
    duplicate, survivor = merged
    services.suggestion_accept(suggestion=survivor, actor=delegate_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.suggestion_handle_on_spot(
            suggestion=survivor, actor=delegate_user, result="已修好。"
        )
    assert ("13911112222", "merged_replied", duplicate.tracking_code) in told
    assert ("13600136000", "supporter_replied", "") in told
    assert ("13700137000", "supporter_replied", "") in told
    assert ("13800138000", "replied", survivor.tracking_code) in told


def test_a_phone_already_supporting_the_survivor_is_kept_once(submit, lamp, delegate_user):
    services.suggestion_support(suggestion=lamp, phone="13911112222")
    duplicate = submit(title="新民路路灯坏了", submitter_phone="13911112222")
    services.suggestion_merge(suggestion=duplicate, into=lamp, actor=delegate_user)
    lamp.refresh_from_db()
    assert lamp.supporter_count == 2
    assert lamp.supporters.filter(phone_digest=phone_digest("13911112222")).count() == 1


def test_erasing_contacts_erases_the_supporters_phones(walk_to, settings):
    import datetime

    from suggestions.services import suggestions_erase_contacts_due

    suggestion = walk_to(State.REPLIED, consent_disclosure=True, submitter_phone="")
    Supporter.objects.create(suggestion=suggestion, phone="13900139000")
    suggestion = services.suggestion_rate(suggestion=suggestion, value="satisfied")
    later = suggestion.closed_at + datetime.timedelta(
        days=settings.PORTAL_CONTACT_RETENTION_DAYS + 1
    )
    assert suggestions_erase_contacts_due(as_of=later) == 1
    assert not Supporter.objects.exclude(phone="").exists()


# --- the desk: likely duplicates, one-click merge, counts --------------------------------------


def _detail(client, suggestion):
    return client.get(reverse("suggestions:desk_detail", args=[suggestion.pk]))


def test_the_desk_lists_likely_duplicates_and_merges_in_one_click(
    client, submit, lamp, station_staff_user
):
    duplicate = submit(title="新民路的路灯不亮")
    unrelated = submit(title="垃圾清运不及时")
    client.force_login(station_staff_user)
    page = _detail(client, duplicate)
    listed = [item["suggestion"].pk for item in page.context["likely_duplicates"]]
    assert listed == [lamp.pk]
    assert unrelated.pk not in listed
    html = page.content.decode()
    assert f'data-merge="this-into-{lamp.pk}"' in html
    merge = reverse("suggestions:desk_merge_into", args=[duplicate.pk, lamp.pk])
    response = client.post(merge, {"back": str(lamp.pk)})
    assert response.status_code == 302
    assert response["Location"] == reverse("suggestions:desk_detail", args=[lamp.pk])
    duplicate.refresh_from_db()
    lamp.refresh_from_db()
    assert duplicate.state == State.MERGED and duplicate.merged_into == lamp
    assert lamp.supporter_count == 1
    assert client.get(merge).status_code == 405  # never by GET
    page = _detail(client, lamp)
    assert 'id="desk-supporters" data-count="1"' in page.content.decode()


def test_a_unit_cannot_merge(client, walk_to, submit, unit_staff_user):
    first = walk_to(State.DISPATCHED)
    second = walk_to(State.DISPATCHED)
    client.force_login(unit_staff_user)
    assert not _detail(client, first).context["likely_duplicates"]
    merge = reverse("suggestions:desk_merge_into", args=[first.pk, second.pk])
    assert client.post(merge).status_code == 302
    first.refresh_from_db()
    assert first.state == State.DISPATCHED
    assert not SuggestionEvent.objects.filter(verb=Verb.MERGE).exists()


def test_merging_outside_the_scope_is_a_404(client, submit, lamp, station_staff_user):
    elsewhere = submit(title="新民路路灯不亮", station=StationFactory())
    client.force_login(station_staff_user)
    merge = reverse("suggestions:desk_merge_into", args=[elsewhere.pk, lamp.pk])
    assert client.post(merge).status_code == 404
    assert Suggestion.objects.get(pk=elsewhere.pk).state == State.SUBMITTED


def test_the_desk_list_shows_the_supporter_count(client, lamp, station_staff_user):
    services.suggestion_support(suggestion=lamp, phone="13900139000")
    client.force_login(station_staff_user)
    html = client.get(reverse("suggestions:desk"), {"tab": "all"}).content.decode()
    assert 'data-supporters="1"' in html
    assert "13900139000" not in html


def test_the_desk_detail_with_duplicates_makes_a_bounded_number_of_queries(
    client, submit, lamp, delegate_user, django_assert_max_num_queries
):
    for n in range(8):
        submit(title=f"新民路路灯不亮{n}")
    client.force_login(delegate_user)
    _detail(client, lamp)  # warm the session
    with django_assert_max_num_queries(25):
        page = _detail(client, lamp)
    assert len(page.context["likely_duplicates"]) == 5


# --- the public board and the dashboard -----------------------------------------------------------


def test_the_public_board_shows_the_count_and_the_support_link(client, lamp):
    services.suggestion_support(suggestion=lamp, phone="13900139000")
    html = client.get(reverse("dashboard:public")).content.decode()
    assert 'class="public-supporters" data-supporters="1"' in html
    assert f'href="{_public(lamp.pk)}"' in html


def test_the_dashboard_shows_the_supports_from_the_rollups(client, merged, office_user):
    client.force_login(office_user)
    response = client.get(reverse("dashboard:dashboard"), {"period": "year"})
    figures = {figure.code: figure.value for figure in response.context["figures"]}
    assert figures["supports"] == 3
    assert rollups.check().ok
    rollups.rebuild()
    response = client.get(reverse("dashboard:dashboard"), {"period": "year"})
    figures = {figure.code: figure.value for figure in response.context["figures"]}
    assert figures["supports"] == 3


def test_the_survivors_resident_sees_the_merge_in_the_trail_without_the_duplicates_data(
    client, merged
):
    duplicate, survivor = merged
    page = client.get(reverse("suggestions:track_detail", args=[survivor.tracking_code]))
    html = page.content.decode()
    assert len(page.context["timeline"]) == 2  # received, and the duplicate joined it
    assert duplicate.tracking_code not in html
    assert "13911112222" not in html and "139****2222" not in html and "李四" not in html


def test_the_diary_note_and_reception_log_forms_carry_the_staff_similar_box(
    client, station, delegate, delegate_user, station_staff_user
):
    from delegates.services import diary_entry_create
    from tests.stations.factories import ReceptionDayFactory

    entry = diary_entry_create(actor=delegate_user, delegate=delegate, text="村口的桥栏杆松动。")
    client.force_login(delegate_user)
    page = client.get(reverse("delegates:diary_suggest", args=[entry.pk])).content.decode()
    assert f'data-similar-url="{DESK_SIMILAR}"' in page and "js/similar.js" in page
    day = ReceptionDayFactory(station=station)
    client.force_login(station_staff_user)
    page = client.get(reverse("stations:day_log", args=[day.pk])).content.decode()
    assert f'data-station-value="{station.pk}"' in page
    assert "js/similar.js" in page


def test_a_supporters_phone_is_encrypted_at_rest_and_matched_by_its_digest(submit):
    """Like the resident's own, a supporter's phone is never in the table in clear; a second
    support with the same number written another way is still the same phone."""
    from django.db import connection

    suggestion = submit(title="小区门口积水", consent_disclosure=True)
    supporter = services.suggestion_support(suggestion=suggestion, phone="13900139000")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone, phone_digest FROM suggestions_supporter WHERE id = %s", [supporter.pk]
        )
        stored, digest = cursor.fetchone()
    assert "13900139000" not in stored
    assert digest == phone_digest("13900139000")
    supporter.refresh_from_db()
    assert supporter.phone == "13900139000"
    with pytest.raises(ValidationError):
        services.suggestion_support(suggestion=suggestion, phone="139-0013-9000")
