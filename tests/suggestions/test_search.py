"""Text search of the desk and the public board through the index (suggestions/search.py):
Chinese found by character pairs, on SQLite and on PostgreSQL alike."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from suggestions import search
from suggestions.models import State, Suggestion
from tests.stations.factories import StationFactory

pytestmark = pytest.mark.django_db

PUBLIC = "/public/"


@pytest.fixture(autouse=True, params=["index", "walk"])
def plan(request, monkeypatch):
    """Each search both ways: a rare word looked up in the index, a common one checked while
    walking the list (suggestions.search.text_search); the results must not differ."""
    search._ESTIMATES.clear()
    if request.param == "walk":
        monkeypatch.setattr(search, "estimated_matches", lambda groups, using: 10**9)
    else:
        monkeypatch.setattr(search, "estimated_matches", lambda groups, using: 0)
    return request.param


def _desk(client, **params):
    response = client.get(reverse("suggestions:desk"), {"tab": "all", **params})
    assert response.status_code == 200
    return response.content.decode()


def _found(client, **params) -> set[int]:
    html = _desk(client, **params)
    return {
        s.pk
        for s in Suggestion.objects.all()
        if reverse("suggestions:desk_detail", args=[s.pk]) in html
    }


def _positions(html, suggestions) -> list[int]:
    return [html.index(reverse("suggestions:desk_detail", args=[s.pk])) for s in suggestions]


def test_chinese_is_cut_into_character_pairs_and_latin_into_lowercased_words():
    assert search.index_tokens("路灯不亮", "LED 3号楼") == {
        *"路灯不亮号楼",
        "路灯",
        "灯不",
        "不亮",
        "号楼",
        "led",
        "3",
    }
    assert search.query_tokens("路灯不亮") == ["路灯", "灯不", "不亮"]
    assert search.query_tokens("灯") == ["灯"]
    assert search.query_tokens("Wi-Fi 3号楼") == ["号楼", "wi", "fi", "3"]
    assert search.query_tokens("？！…") == []


def test_two_characters_find_titles_and_details_and_nothing_else(client, submit, office_user):
    in_title = submit(title="新民路路灯不亮", content="晚上太黑")
    in_details = submit(title="晚上出行难", content="小区门口的路灯坏了")
    other = submit(title="田间路被冲毁", content="白额村的机耕路")
    apart = submit(title="路边的灯", content="灯光昏暗")
    client.force_login(office_user)
    assert _found(client, q="路灯") == {in_title.pk, in_details.pk}
    assert _found(client, q="机耕") == {other.pk}
    assert apart.pk not in _found(client, q="路灯")


def test_a_longer_search_needs_the_words_as_typed(client, submit, office_user):
    whole = submit(title="路灯不亮", content="已经一个月")
    # Holds 路灯, 灯不 and 不亮, but never 路灯不亮.
    scattered = submit(title="路灯坏了", content="门灯不开，楼道不亮")
    client.force_login(office_user)
    assert _found(client, q="路灯不亮") == {whole.pk}
    assert _found(client, q="路灯 不亮") == {whole.pk, scattered.pk}


def test_one_character_finds_it_anywhere_in_a_run(client, submit, office_user):
    last = submit(title="新民路路灯", content="坏了")
    first = submit(title="灯光太暗", content="看不清")
    alone = submit(title="一盏 灯", content="坏了")
    submit(title="田间路被冲毁", content="白额村")
    client.force_login(office_user)
    assert _found(client, q="灯") == {last.pk, first.pk, alone.pk}


def test_latin_words_and_digits_are_found_whatever_their_case(client, submit, office_user):
    led = submit(title="楼道LED灯坏了", content="3号楼")
    wifi = submit(title="社区Wi-Fi", content="信号差")
    client.force_login(office_user)
    assert _found(client, q="led") == {led.pk}
    assert _found(client, q="Wi-Fi") == {wifi.pk}
    assert _found(client, q="wifi") == set()
    assert _found(client, q="3号楼") == {led.pk}
    assert _found(client, q="号") == {led.pk, wifi.pk}


def test_a_tracking_code_is_found_with_dashes_spaces_or_lower_case(client, submit, office_user):
    wanted, other = submit(title="路灯"), submit(title="路灯")
    client.force_login(office_user)
    for typed in (
        wanted.tracking_code,
        wanted.formatted_code,
        wanted.formatted_code.lower(),
        wanted.formatted_code.replace("-", " ").lower(),
    ):
        assert _found(client, q=typed) == {wanted.pk}, typed
    assert other.pk not in _found(client, q=wanted.formatted_code)


def test_a_search_never_shows_what_the_user_may_not_see(client, submit, station_staff_user):
    mine = submit(title="路灯不亮", content="东门")
    elsewhere = submit(title="路灯不亮", content="西门", station=StationFactory())
    client.force_login(station_staff_user)
    assert _found(client, q="路灯") == {mine.pk}
    assert _found(client, q="西门") == set()
    assert _found(client, q=elsewhere.tracking_code) == set()


def test_a_search_combines_with_the_status_filter(client, walk_to, office_user):
    accepted = walk_to(State.ACCEPTED, title="路灯不亮", content="东门")
    submitted = walk_to(State.SUBMITTED, title="路灯不亮", content="西门")
    walk_to(State.ACCEPTED, title="垃圾清运", content="南门")
    client.force_login(office_user)
    assert _found(client, q="路灯", state="accepted") == {accepted.pk}
    assert _found(client, q="路灯", state="submitted") == {submitted.pk}


def test_search_results_keep_the_desk_order_newest_first(client, submit, office_user):
    older, newer = submit(title="路灯一"), submit(title="路灯二")
    client.force_login(office_user)
    html = _desk(client, q="路灯")
    assert _positions(html, [newer, older]) == sorted(_positions(html, [newer, older]))


def test_an_edited_title_is_found_by_its_new_words_only(client, submit, office_user):
    suggestion = submit(title="路灯不亮", content="东门")
    suggestion.title = "井盖缺失"
    suggestion.save(update_fields=["title"])
    Suggestion.objects.filter(pk=suggestion.pk).update(content="西门口")
    client.force_login(office_user)
    assert _found(client, q="井盖") == {suggestion.pk}
    assert _found(client, q="西门") == {suggestion.pk}
    assert _found(client, q="路灯") == set()
    assert _found(client, q="东门") == set()


def test_a_search_of_punctuation_finds_nothing_and_fails_nothing(client, submit, office_user):
    submit(title="路灯不亮！", content="？")
    client.force_login(office_user)
    assert _found(client, q="！") == set()
    assert "！" in _desk(client, q="！")  # the search stays in the box
    response = client.get(PUBLIC, {"q": "％_'\"\\"})
    assert response.status_code == 200


def test_the_public_board_searches_public_suggestions_only(client, walk_to):
    shown = walk_to(State.REPLIED, title="新民路路灯不亮", content="晚上", consent_disclosure=True)
    private = walk_to(State.REPLIED, title="东门路灯不亮", content="晚上", consent_disclosure=False)
    other = walk_to(State.REPLIED, title="垃圾清运不及时", content="早上", consent_disclosure=True)
    html = client.get(PUBLIC, {"q": "路灯"}).content.decode()
    assert shown.title in html
    assert private.title not in html and other.title not in html
    html = client.get(PUBLIC, {"q": "垃圾"}).content.decode()
    assert other.title in html and shown.title not in html


def test_the_public_board_does_not_find_a_masked_phone_number(client, walk_to):
    shown = walk_to(
        State.REPLIED, title="路灯不亮", content="请打13912345678联系", consent_disclosure=True
    )
    assert shown.title in client.get(PUBLIC, {"q": "路灯"}).content.decode()
    assert shown.title not in client.get(PUBLIC, {"q": "13912345678"}).content.decode()


def test_a_search_adds_at_most_one_query_a_while(client, submit, office_user, monkeypatch):
    monkeypatch.undo()  # the real estimate: one query, then kept by the process
    search._ESTIMATES.clear()
    for n in range(5):
        submit(title=f"路灯{n}")
    client.force_login(office_user)
    _desk(client)  # warm the session
    pages = [
        (reverse("suggestions:desk"), {"tab": "all"}),
        (PUBLIC, {}),
    ]
    for url, params in pages:
        with CaptureQueriesContext(connection) as plain:
            client.get(url, params)
        with CaptureQueriesContext(connection) as first:
            client.get(url, {**params, "q": "路灯 灯"})
        with CaptureQueriesContext(connection) as again:
            client.get(url, {**params, "q": "路灯 灯"})
        assert len(first) <= len(plain) + 1, url
        assert len(again) == len(plain), url


# Its own transaction, as the command runs: PostgreSQL reindexes no table with changes
# still pending in the transaction (the test's deferred foreign-key checks).
@pytest.mark.django_db(transaction=True)
def test_rebuilding_the_index_finds_rows_written_past_it(client, submit, office_user):
    suggestion = submit(title="路灯不亮")
    # As after a table rebuild or a bulk load that went around the index.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in search.SQLITE_REVERSE[:3]:
                cursor.execute(statement)
            cursor.execute(search.SQLITE_CLEAR)
    Suggestion.objects.filter(pk=suggestion.pk).update(title="井盖缺失")
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "1" in out.getvalue()
    client.force_login(office_user)
    assert _found(client, q="井盖") == {suggestion.pk}
    # The triggers are back: a later edit is found too.
    Suggestion.objects.filter(pk=suggestion.pk).update(title="路面塌陷")
    assert _found(client, q="塌陷") == {suggestion.pk}
    assert _found(client, q="井盖") == set()


@pytest.mark.postgres
def test_the_database_function_makes_the_tokens_python_makes():
    samples = [
        ("新民路路灯不亮", "晚上太黑 LED灯坏了 3号楼"),
        ("ABC-def_GHI 123abc", "𠈌字 路"),
        ("", "单"),
        ("ＬＥＤ全角 Kelvin K", "a" * 100),
        ("路灯\n不亮；", "停车难！Wi-Fi"),
    ]
    with connection.cursor() as cursor:
        for title, content in samples:
            cursor.execute(
                "SELECT tsvector_to_array(suggestion_search_vector(%s, %s))", [title, content]
            )
            assert set(cursor.fetchone()[0]) == search.index_tokens(title, content)


@pytest.mark.postgres
def test_the_estimate_tells_a_common_word_from_a_rare_one(submit, monkeypatch):
    monkeypatch.undo()
    search._ESTIMATES.clear()
    for n in range(40):
        submit(title=f"路灯不亮{n}", content="晚上")
    submit(title="井盖缺失", content="晚上")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE suggestions_suggestion")
    common = search.estimated_matches([search.query_tokens("路灯不亮")])
    rare = search.estimated_matches([search.query_tokens("井盖")])
    assert common >= 30 and rare <= 5
