"""The desk at any size: keyset pages, capped counts, a constant number of queries."""

import datetime
import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from suggestions import desk
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db


def _desk(client, **params):
    response = client.get(reverse("suggestions:desk"), params)
    assert response.status_code == 200
    return response


def _ids(response) -> list[int]:
    return [s.pk for s in response.context["suggestions"]]


def _link(response, rel) -> str:
    """The query string of the page's Older (rel=next) or Newer (rel=prev) link."""
    match = re.search(rf'href="\?([^"]*)" rel="{rel}"', response.content.decode())
    return unescape(match.group(1)) if match else ""


def _follow(client, query):
    response = client.get(f"{reverse('suggestions:desk')}?{query}")
    assert response.status_code == 200
    return response


@pytest.fixture
def many(submit):
    """60 suggestions, seven at a time submitted at the very same moment."""
    made = [submit(title=f"建议{n}") for n in range(60)]
    start = timezone.now() - datetime.timedelta(days=1)
    for n, suggestion in enumerate(made):
        Suggestion.objects.filter(pk=suggestion.pk).update(
            submitted_at=start + datetime.timedelta(minutes=n // 7)
        )
    return sorted(Suggestion.objects.all(), key=lambda s: (s.submitted_at, s.pk), reverse=True)


@pytest.mark.parametrize("user", ["office_user", "delegate_user"])  # a delegate's: two parts
def test_older_and_newer_pages_show_every_row_once_even_at_equal_times(
    client, request, user, many, walk_to
):
    taken = walk_to("accepted")  # the delegate's own, at the same time as others
    Suggestion.objects.filter(pk=taken.pk).update(submitted_at=many[10].submitted_at)
    many = sorted(Suggestion.objects.all(), key=lambda s: (s.submitted_at, s.pk), reverse=True)
    client.force_login(request.getfixturevalue(user))
    pages = [_desk(client, tab="all")]
    assert not _link(pages[0], "prev")
    while query := _link(pages[-1], "next"):
        pages.append(_follow(client, query))
    shown = [pk for page in pages for pk in _ids(page)]
    assert shown == [s.pk for s in many]
    assert [len(_ids(page)) for page in pages] == [25, 25, 11]

    # Back up from the last page: the same pages in reverse, then the first has no Newer.
    back = [pages[-1]]
    while query := _link(back[-1], "prev"):
        back.append(_follow(client, query))
    assert [_ids(page) for page in back] == [_ids(page) for page in reversed(pages)]
    assert "Newest" in pages[1].content.decode() or "最新" in pages[1].content.decode()


def test_a_tampered_or_stale_cursor_shows_the_first_page(client, office_user, many):
    client.force_login(office_user)
    first = _ids(_desk(client, tab="all"))
    good = desk.cursor_for(many[30])
    forged = good[:-3] + ("abc" if good[-3:] != "abc" else "xyz")
    for params in (
        {"after": "garbage"},
        {"after": forged},
        {"before": forged},
        {"after": "x" * 500},
        {"before": desk.cursor_for(many[0])},  # nothing newer: the first page
    ):
        assert _ids(_desk(client, tab="all", **params)) == first
    assert _ids(_desk(client, tab="all", after=good)) == [s.pk for s in many[31:56]]


def test_the_filters_stay_on_every_page(client, office_user, submit, category, many):
    from tests.suggestions.factories import CategoryFactory

    other = CategoryFactory()
    for n in range(30):
        submit(title=f"别的{n}", category=other)
    client.force_login(office_user)
    first = _desk(client, tab="all", category=category.pk)
    query = _link(first, "next")
    assert f"category={category.pk}" in query and "tab=all" in query
    second = _follow(client, query)
    rows = list(second.context["suggestions"]) + list(first.context["suggestions"])
    assert len(rows) == 50 and all(s.category_id == category.pk for s in rows)
    assert f"category={category.pk}" in _link(second, "prev")


def test_tab_counts_stop_at_the_cap(client, office_user, submit, monkeypatch):
    monkeypatch.setattr(desk, "COUNT_CAP", 5)
    for n in range(8):
        submit(title=f"建议{n}")
    client.force_login(office_user)
    page = _desk(client, tab="new").content.decode()
    assert re.search(r'desk-count">\s*5\+\s*<', page)
    assert re.search(r"5\+\s*(suggestions|条建议)", page)
    monkeypatch.setattr(desk, "COUNT_CAP", 1000)
    assert re.search(r'desk-count">\s*8\s*<', _desk(client, tab="new").content.decode())


def _queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        _desk(client, **params)
    return len(captured)


@pytest.mark.parametrize("user", ["office_user", "station_staff_user", "delegate_user"])
def test_a_page_costs_the_same_queries_at_5_and_at_60_rows(client, submit, request, user):
    account = request.getfixturevalue(user)
    client.force_login(account)
    _desk(client)  # the session's first request
    made = [submit(title=f"建议{n}") for n in range(5)]
    small = (
        _queries(client, tab="all"),
        _queries(client, tab="all", after=desk.cursor_for(made[3])),
    )
    made += [submit(title=f"更多{n}") for n in range(55)]
    large = (
        _queries(client, tab="all"),
        _queries(client, tab="all", after=desk.cursor_for(made[40])),
    )
    assert small == large
    assert max(large) <= 18


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_the_date_filters_take_whole_days_in_local_time(client, office_user, submit):
    day = datetime.date(2026, 3, 10)
    late = submit(title="深夜")
    early = submit(title="凌晨")
    before = submit(title="前一天")
    Suggestion.objects.filter(pk=late.pk).update(submitted_at=_at(day, 23, 59))
    Suggestion.objects.filter(pk=early.pk).update(submitted_at=_at(day, 0, 0))
    Suggestion.objects.filter(pk=before.pk).update(
        submitted_at=_at(day, 0, 0) - datetime.timedelta(microseconds=1)
    )
    client.force_login(office_user)
    that_day = set(_ids(_desk(client, submitted_after=day, submitted_before=day)))
    assert that_day == {late.pk, early.pk}
    until_before = set(_ids(_desk(client, submitted_before=day - datetime.timedelta(days=1))))
    assert until_before == {before.pk}
    assert set(_ids(_desk(client, submitted_before="9999-12-31"))) == {late.pk, early.pk, before.pk}
    assert _ids(_desk(client, submitted_after="9999-12-31")) == []
    assert _ids(_desk(client, submitted_before="0001-01-01")) == []


def test_the_ledger_link_keeps_the_filters_but_not_the_position(client, office_user, many):
    client.force_login(office_user)
    page = _desk(client, tab="all", channel="online", after=desk.cursor_for(many[3]))
    url = page.context["ledger_url"]
    if url:
        assert "channel=online" in url and "after=" not in url
