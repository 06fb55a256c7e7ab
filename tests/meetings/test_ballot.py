"""The secret ballot of a voters' rating meeting (SECURITY.md 20)."""

import io
import re
import threading
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from accounts.models import AuditEvent
from meetings import codes, selectors, services
from meetings.models import Ballot, BallotCode, BallotMark, BallotSession, StagedBallot
from meetings.qr import ballot_qr_png
from tests.meetings.conftest import all_satisfied

pytestmark = pytest.mark.django_db


def _entry_path(session):
    return reverse("meetings:ballot_entry", args=[session.pk])


def _open(client, session, code):
    """The code typed (or posted by the page's script from a QR code) on the entry page."""
    return client.post(_entry_path(session), {"code": code})


def _says(response, text) -> bool:
    return escape(text) in response.content.decode()


def _vote(client, session, code, value="satisfied"):
    data = {f"item_{pk}": value for pk in session.suggestions.values_list("id", flat=True)}
    return client.post(reverse("meetings:ballot", args=[session.pk]), {"code": code, **data})


# --- one vote per code ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_casts_with_one_code_record_exactly_one_ballot(open_session):
    session, plain = open_session
    code = plain[0]
    marks = all_satisfied(session)
    barrier = threading.Barrier(20)
    outcomes = []

    def cast():
        try:
            barrier.wait()
            services.ballot_cast(session=session, code=code, marks=marks)
            outcomes.append("cast")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("cast") == 1
    assert outcomes.count("used") == 19
    assert StagedBallot.objects.filter(session=session).count() == 1
    assert BallotCode.objects.filter(session=session, used=True).count() == 1
    services.ballot_session_close(session=session, actor=session.meeting.organiser)
    assert Ballot.objects.filter(session=session).count() == 1
    assert BallotMark.objects.filter(ballot__session=session).count() == len(marks)


def test_a_voter_without_an_account_rates_every_item_once_and_is_thanked(client, open_session):
    session, plain = open_session
    page = _open(client, session, plain[0])
    assert page.status_code == 200
    assert "满意" in page.content.decode() and "基本满意" in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    response = _vote(client, session, plain[0], "basic")

    assert response.status_code == 302
    thanks = client.get(response["Location"])
    assert "感谢" in thanks.content.decode() or "Thank you" in thanks.content.decode()
    staged = StagedBallot.objects.get(session=session)
    assert set(staged.marks.values()) == {"basic"} and len(staged.marks) == 2
    assert Ballot.objects.count() == 0, "counted only when voting closes"


def test_a_ballot_missing_an_item_is_refused_and_keeps_the_code_unused(client, open_session):
    session, plain = open_session
    first = session.suggestions.order_by("id").first()

    response = client.post(
        reverse("meetings:ballot", args=[session.pk]),
        {"code": plain[0], f"item_{first.pk}": "satisfied"},
    )

    assert response.status_code == 400
    assert StagedBallot.objects.count() == 0
    assert not BallotCode.objects.filter(used=True).exists()
    kept = rf'<input[^>]*name="item_{first.pk}"[^>]*value="satisfied"[^>]*checked'
    assert re.search(kept, response.content.decode()), "the choice made is kept"
    assert re.search(rf'type="hidden" name="code" value="{plain[0]}"', response.content.decode())


def test_a_used_code_is_refused_with_a_clear_message(client, open_session):
    session, plain = open_session
    _vote(client, session, plain[0])

    again = _vote(client, session, plain[0])
    page = _open(client, session, plain[0])

    assert again.status_code == 409 and page.status_code == 409
    assert _says(page, services.refusal_message("used"))
    assert "已经使用" in page.content.decode() or "already been used" in page.content.decode()
    assert StagedBallot.objects.count() == 1


def test_a_code_of_another_session_is_refused_with_a_clear_message(
    client, open_session, meeting_of, items, station_staff_user
):
    session, _plain = open_session
    other = services.ballot_session_prepare(
        meeting=meeting_of(title="另一场评单会"),
        actor=station_staff_user,
        suggestions=items,
        voters=3,
    )
    foreign_code = services.ballot_codes_issue(session=other, actor=station_staff_user)[0]

    page = _open(client, session, foreign_code)
    posted = _vote(client, session, foreign_code)

    assert page.status_code == 409 and posted.status_code == 409
    assert _says(page, services.refusal_message("foreign"))
    assert StagedBallot.objects.count() == 0
    with pytest.raises(ValidationError) as refusal:
        services.ballot_cast(session=session, code=foreign_code, marks=all_satisfied(session))
    assert refusal.value.code == "foreign"


def test_a_code_of_a_closed_session_is_refused_with_a_clear_message(
    client, open_session, station_staff_user
):
    session, plain = open_session
    session = services.ballot_session_close(session=session, actor=station_staff_user)

    page = _open(client, session, plain[1])
    posted = _vote(client, session, plain[1])

    assert page.status_code == 410 and posted.status_code == 410
    assert _says(page, services.refusal_message("closed"))
    assert Ballot.objects.count() == 0
    with pytest.raises(ValidationError) as refusal:
        services.ballot_cast(session=session, code=plain[1], marks=all_satisfied(session))
    assert refusal.value.code == "closed"


def test_an_unknown_code_gets_the_same_answer_whatever_it_is(client, open_session):
    session, plain = open_session
    near_miss = plain[0][:-1] + ("0" if plain[0][-1] != "0" else "1")

    answers = [_open(client, session, code) for code in (near_miss, "garbage")]
    cast = [_vote(client, session, code) for code in (near_miss, "garbage", "")]

    assert [a.status_code for a in answers + cast] == [404] * 5
    assert all(_says(a, services.refusal_message("unknown")) for a in answers + cast)
    assert Ballot.objects.count() == StagedBallot.objects.count() == 0


def test_ballot_pages_are_rate_limited(client, open_session, monkeypatch):
    from meetings import views

    monkeypatch.setattr(views, "BALLOT_LIMIT", 5)
    session, _plain = open_session
    statuses = [_open(client, session, codes.new_code()).status_code for _ in range(7)]

    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]


def test_typed_codes_are_normalised_and_lead_to_the_ballot(client, open_session):
    session, plain = open_session
    typed = f" {plain[0][:5].lower()} - {plain[0][5:]} ".replace("0", "o")

    response = _open(client, session, typed)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="item_' in html
    assert f'type="hidden" name="code" value="{plain[0]}"' in html
    assert f'action="{reverse("meetings:ballot", args=[session.pk])}"' in html
    assert _vote(client, session, typed).status_code == 302


def test_a_code_in_the_query_string_no_longer_opens_a_ballot(client, open_session):
    """Today's slips carried the code in the URL; now a ``?code=`` is ignored, not obeyed."""
    session, plain = open_session

    answer = client.get(_entry_path(session), {"code": plain[0]})
    assert answer.status_code == 302 and answer["Location"] == _entry_path(session)

    page = client.get(answer["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="item_' not in html
    assert plain[0] not in html
    assert 'method="post"' in html and "js/ballot.js" in html
    assert "no-store" in page["Cache-Control"]
    assert client.get(f"/meetings/vote/{session.pk}/{plain[0]}/").status_code == 404
    not_posted = client.get(reverse("meetings:ballot", args=[session.pk]))
    assert not_posted.status_code == 302 and not_posted["Location"] == _entry_path(session)


def test_the_entry_form_needs_its_csrf_token(open_session):
    from django.test import Client

    session, plain = open_session
    strict = Client(enforce_csrf_checks=True)

    assert strict.post(_entry_path(session), {"code": plain[0]}).status_code == 403
    page = strict.get(_entry_path(session)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    opened = strict.post(_entry_path(session), {"code": plain[0], "csrfmiddlewaretoken": token})
    assert opened.status_code == 200 and 'name="item_' in opened.content.decode()


# --- secrecy --------------------------------------------------------------------------------


def test_the_ballot_table_has_no_link_to_a_code_or_a_person_and_no_time():
    with connection.cursor() as cursor:
        for model in (Ballot, BallotMark, StagedBallot):
            table = model._meta.db_table
            columns = connection.introspection.get_table_description(cursor, table)
            relations = connection.introspection.get_relations(cursor, table)
            targets = {target for _column, (_field, target) in relations.items()}
            assert targets <= {
                BallotSession._meta.db_table,
                Ballot._meta.db_table,
                StagedBallot._meta.db_table,
                "suggestions_suggestion",
            }, targets
            assert BallotCode._meta.db_table not in targets
            assert "accounts_user" not in targets
            for column in columns:
                assert not re.search(r"date|time|_at$|ip|address|code|user|voter", column.name)
                field_type = connection.introspection.get_field_type(column.type_code, column)
                assert field_type not in {"DateTimeField", "DateField", "TimeField"}, column
            primary = [c for c in columns if c.name == "id"]
            assert primary, "a ballot has a random (UUID) key"
    assert Ballot._meta.pk.get_internal_type() == "UUIDField"
    assert BallotMark._meta.pk.get_internal_type() == "UUIDField"
    assert StagedBallot._meta.pk.get_internal_type() == "UUIDField"


def test_codes_are_stored_only_as_hashes_and_never_audited(open_session):
    _session, plain = open_session
    stored = set(BallotCode.objects.values_list("code_hash", flat=True))

    assert len(plain) == 5 and len(set(plain)) == 5
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", code) for code in plain)
    assert stored == {codes.hash_code(code) for code in plain}
    assert not stored & set(plain)
    audit = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert not any(code in audit for code in plain)


def test_casting_writes_no_audit_event(client, open_session):
    session, plain = open_session
    before = AuditEvent.objects.count()

    _vote(client, session, plain[0])

    assert AuditEvent.objects.count() == before


def test_results_exist_only_after_the_session_closes(client, open_session, station_staff_user):
    session, plain = open_session
    _vote(client, session, plain[0], "satisfied")
    _vote(client, session, plain[1], "unsatisfied")
    client.force_login(station_staff_user)
    meeting = session.meeting

    assert selectors.ballot_results(session) is None
    client.cookies["django_language"] = "en"
    running = client.get(reverse("meetings:manage", args=[meeting.pk])).content.decode()
    assert "2 of 5 ballot codes have been used." in running
    assert (
        "Overall satisfaction" not in running and "Results appear when voting is closed" in running
    )

    session = services.ballot_session_close(session=session, actor=station_staff_user)
    result = selectors.ballot_results(session)

    assert (result.satisfied, result.basic, result.unsatisfied) == (2, 0, 2)
    assert result.rate == "50%"
    public = client.get(meeting.get_absolute_url()).content.decode()
    assert "50%" in public


# --- issuing codes and the printed sheet -----------------------------------------------------


def _issue(client, meeting, key="6f1c0ad6-0a4b-4bb4-9c6e-2f7c1e3f9a10"):
    return client.post(reverse("meetings:ballot_issue", args=[meeting.pk]), {"issue_key": key})


@pytest.fixture
def prepared(rating_meeting, items, station_staff_user):
    return services.ballot_session_prepare(
        meeting=rating_meeting, actor=station_staff_user, suggestions=items, voters=3
    )


def test_the_printed_sheets_qr_codes_hold_the_code_only_in_the_url_fragment(
    client, prepared, station_staff_user
):
    client.force_login(station_staff_user)
    sheet = _issue(client, prepared.meeting)
    html = sheet.content.decode()
    assert sheet.status_code == 200
    assert "no-store" in sheet["Cache-Control"]
    assert html.count('class="meetings-qr"') == 3
    assert " style=" not in html
    typed = re.findall(r'class="meetings-slip-code">([0-9A-Z]{5}-[0-9A-Z]{5})<', html)
    assert len(typed) == 3

    decoded = []
    for svg in re.findall(r"<svg .*?</svg>", html, flags=re.S):
        decoded.append(_decode_svg(svg))
    assert len(decoded) == 3
    client.logout()
    for url, code in zip(decoded, typed, strict=True):
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc
        # What a browser sends to the server: the path only, the same for every slip.
        assert parts.path == _entry_path(prepared) and not parts.query
        assert parts.fragment == code.replace("-", "")
        landing = client.get(parts.path)
        assert landing.status_code == 200 and 'name="item_' not in landing.content.decode()
        assert "js/ballot.js" in landing.content.decode(), "the script posts the fragment"
        page = client.post(parts.path, {"code": parts.fragment})
        assert page.status_code == 200
        assert 'name="item_' in page.content.decode()


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("", "http://portal.test:8123"),  # development: the port the portal is served on
        ("https://rd.example.gov.cn/", "https://rd.example.gov.cn"),
    ],
    ids=["request-host", "configured"],
)
def test_the_sheets_qr_codes_and_address_open_where_the_portal_is_served(
    client, prepared, station_staff_user, settings, configured, expected
):
    settings.PORTAL_PUBLIC_BASE_URL = configured
    settings.ALLOWED_HOSTS = ["portal.test", "testserver"]
    client.force_login(station_staff_user)
    sheet = client.post(
        reverse("meetings:ballot_issue", args=[prepared.meeting.pk]),
        {"issue_key": "0b7a2f7e-3f8d-4a53-9a43-51c6ad1e6f20"},
        HTTP_HOST="portal.test:8123",
    )
    html = sheet.content.decode()
    entry = expected + _entry_path(prepared)
    decoded = [_decode_svg(svg) for svg in re.findall(r"<svg .*?</svg>", html, flags=re.S)]
    assert len(decoded) == 3
    assert all(url.startswith(entry + "#") for url in decoded)
    assert entry.split("://", 1)[1] in html  # the address printed for typing
    assert "127.0.0.1:8000" not in html


def _decode_svg(svg: str) -> str:
    """Rasterise the sheet's SVG QR (one path of horizontal runs) and decode it with zxing."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r' d="([^"]+)"', svg).group(1)
    scale = 6
    image = Image.new("L", (size * scale, size * scale), 255)
    pixels = image.load()
    x = y = 0.0
    for command, number in re.findall(r"([Mmhv])(-?[\d.]+(?: -?[\d.]+)?)", path):
        values = [float(v) for v in number.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            row = int(y - 0.5)
            for col in range(int(x), int(x + values[0])):
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[col * scale + dx, row * scale + dy] = 0
            x += values[0]
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1, "the QR code decodes"
    return results[0].text


def test_a_png_of_the_same_qr_decodes_too():
    url = "https://portal.example/meetings/vote/1/#7K3M9QXA4T"
    image = Image.open(io.BytesIO(ballot_qr_png(url)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]


def test_reloading_the_sheet_issues_nothing_and_explains(client, prepared, station_staff_user):
    client.force_login(station_staff_user)
    client.cookies["django_language"] = "en"  # the flashed message is translated when posted
    _issue(client, prepared.meeting)
    hashes = set(BallotCode.objects.values_list("code_hash", flat=True))

    again = _issue(client, prepared.meeting)

    assert again.status_code == 302
    assert set(BallotCode.objects.values_list("code_hash", flat=True)) == hashes
    page = client.get(again["Location"]).content.decode()
    assert "These codes were already issued and shown once." in page


def test_reissuing_voids_unused_codes_and_covers_only_those_still_to_vote(
    client, open_session, station_staff_user
):
    session, old = open_session
    _vote(client, session, old[0])

    new = services.ballot_codes_issue(session=session, actor=station_staff_user)

    assert len(new) == 4  # five voters, one has voted
    assert _open(client, session, old[1]).status_code == 404
    assert _open(client, session, new[0]).status_code == 200
    assert BallotCode.objects.filter(session=session).count() == 5
    assert AuditEvent.objects.filter(action="ballot.reissue_codes").exists()


def test_paper_totals_combine_with_phone_ballots(client, open_session, station_staff_user):
    session, plain = open_session
    _vote(client, session, plain[0], "satisfied")
    first, second = session.suggestions.order_by("submitted_at", "id")
    client.force_login(station_staff_user)
    response = client.post(
        reverse("meetings:ballot_paper", args=[session.meeting.pk]),
        {f"s_{first.pk}": 2, f"b_{first.pk}": 1, f"u_{first.pk}": 1, f"s_{second.pk}": 4},
    )
    assert response.status_code == 302
    session = services.ballot_session_close(session=session, actor=station_staff_user)

    result = selectors.ballot_results(session)
    by_item = {item.suggestion.pk: item for item in result.items}

    assert (by_item[first.pk].satisfied, by_item[first.pk].basic) == (3, 1)
    assert by_item[first.pk].unsatisfied == 1
    assert by_item[first.pk].rate == "80%"
    assert by_item[second.pk].satisfied == 5
    assert result.rate == "90%"  # (8 + 1) / 10


def test_paper_totals_above_the_voters_are_a_form_error(client, open_session, station_staff_user):
    session, _plain = open_session
    first = session.suggestions.first()
    client.force_login(station_staff_user)

    response = client.post(
        reverse("meetings:ballot_paper", args=[session.meeting.pk]), {f"s_{first.pk}": 6}
    )

    assert response.status_code == 400
    assert not session.paper_tallies.exists()


def test_default_items_are_the_stations_replies_of_the_half_year(
    client, rating_meeting, items, submit, station_staff_user
):
    submit(title="还在办理中的建议")
    client.force_login(station_staff_user)

    page = client.get(reverse("meetings:ballot_setup", args=[rating_meeting.pk])).content.decode()

    checked = re.findall(
        r'<input type="checkbox" name="suggestions" value="(\d+)"[^>]*checked', page
    )
    assert sorted(map(int, checked)) == sorted(s.pk for s in items)


def test_the_trail_of_a_rated_suggestion_shows_the_meeting_result(
    client, open_session, station_staff_user
):
    session, plain = open_session
    _vote(client, session, plain[0], "satisfied")
    session = services.ballot_session_close(session=session, actor=station_staff_user)
    item = session.suggestions.first()

    trail = selectors.suggestion_meeting_trail(item)

    assert len(trail) == 1
    assert trail[0]["at"] == session.meeting.date
    assert "100%" in trail[0]["label"]
    assert trail[0]["url"] == session.meeting.get_absolute_url()


def test_station_results_are_public_after_closing(client, open_session, station_staff_user):
    session, plain = open_session
    _vote(client, session, plain[0], "satisfied")
    assert selectors.station_ballot_results(session.meeting.station) == []

    session = services.ballot_session_close(session=session, actor=station_staff_user)
    results = selectors.station_ballot_results(session.meeting.station)

    assert [r.rate for r in results] == ["100%"]
    from django.template.loader import render_to_string

    html = render_to_string("meetings/includes/_station_results.html", {"ballot_results": results})
    assert session.meeting.title in html and "100%" in html


def test_public_pages_show_undisclosed_items_by_number_and_category_only(
    client, open_session, station_staff_user
):
    session, plain = open_session
    page = _open(client, session, plain[0]).content.decode()

    assert "新民路路灯不亮" in page  # the resident agreed to disclosure
    assert "南苑小区垃圾清运不及时" not in page
    assert "道路交通" in page
