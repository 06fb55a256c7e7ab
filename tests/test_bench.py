"""`make bench`'s pure parts (scripts/bench.py), its bare page, and that the pages it builds
are the pages: each answers its account as expected. Neither gunicorn nor wrk runs here."""

import importlib
import importlib.util
import re
import sys
from pathlib import Path

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.urls import clear_url_caches

from stations.models import Region
from suggestions.desk import tabs_for
from suggestions.models import State, Suggestion
from tests.stations.factories import ReceptionDayFactory, StreetFactory

ROOT = Path(__file__).resolve().parent.parent


def _load_bench():
    spec = importlib.util.spec_from_file_location("portal_bench", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["portal_bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

WRK_CLEAN = """\
Running 2s test @ http://127.0.0.1:40123/
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.40us  120.11us   3.01ms   91.20%
    Req/Sec     1.22k    40.00     1.30k    70.00%
  Latency Distribution
     50%  790.00us
     75%  850.00us
     90%  920.00us
     99%    1.48ms
  2431 requests in 2.00s, 9.21MB read
Requests/sec:   1215.37
Transfer/sec:      4.60MB
bench-statuses 200=2431
"""

WRK_SLOW_AND_BAD = """\
Running 4s test @ http://127.0.0.1:40123/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.91s   201.00ms   2.50s    80.00%
    Req/Sec     0.50      0.71     2.00     90.00%
  Latency Distribution
     50%    1.87s
     75%    2.01s
     90%    2.30s
     99%    2.50s
  9 requests in 4.01s, 1.01MB read
  Socket errors: connect 0, read 0, write 0, timeout 2
  Non-2xx or 3xx responses: 3
Requests/sec:      2.24
Transfer/sec:    257.10KB
"""


# --- wrk's report --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ms"),
    [("790.00us", 0.79), ("1.48ms", 1.48), ("2.50s", 2500.0), ("1.02m", 61_200.0)],
)
def test_wrk_times_in_every_unit_read_as_milliseconds(text, ms):
    assert bench.parse_time_ms(text) == pytest.approx(ms)


def test_unknown_time_unit_is_an_error_not_a_number():
    with pytest.raises(ValueError):
        bench.parse_time_ms("12.0 parsecs")


def test_clean_wrk_report_gives_median_p99_rate_and_no_flag():
    result = bench.parse_wrk(WRK_CLEAN)
    assert result.requests == 2431
    assert result.seconds == pytest.approx(2.0)
    assert result.rps == pytest.approx(1215.37)
    assert result.p50_ms == pytest.approx(0.79)
    assert result.p99_ms == pytest.approx(1.48)
    assert result.statuses == {200: 2431}
    assert result.bad(expect=(200,)) == {}


def test_non_2xx_line_and_socket_timeouts_flag_the_run():
    result = bench.parse_wrk(WRK_SLOW_AND_BAD)
    assert result.p50_ms == pytest.approx(1870.0)
    assert result.p99_ms == pytest.approx(2500.0)
    assert result.non_2xx_3xx == 3
    assert result.statuses is None
    assert result.bad(expect=(200,)) == {"non-2xx/3xx": 3, "socket timeout": 2}


def test_a_200_where_a_redirect_was_expected_flags_the_post():
    """A refused form answers 200, which wrk's own non-2xx count lets through."""
    result = bench.parse_wrk(WRK_CLEAN.replace("200=2431", "200=31 302=2400"))
    assert result.bad(expect=(302,)) == {"HTTP 200": 31}


def test_rate_limited_responses_flag_the_page():
    text = WRK_CLEAN.replace(
        "bench-statuses 200=2431",
        "  Non-2xx or 3xx responses: 2400\nbench-statuses 200=31 429=2400",
    )
    assert bench.parse_wrk(text).bad(expect=(200,)) == {"HTTP 429": 2400}


def test_a_run_without_a_single_response_has_no_latency_and_is_flagged():
    text = (
        "  Latency Distribution\n     50%    0.00us\n     99%    0.00us\n"
        "  0 requests in 2.00s, 0.00B read\nRequests/sec:      0.00\n"
    )
    result = bench.parse_wrk(text)
    assert result.p50_ms is None
    assert result.bad(expect=(200,)) == {"no response": 1}


def test_flag_counts_add_up_over_rounds_and_loads():
    total = bench.add_counts({"HTTP 429": 2}, {"HTTP 429": 3, "socket read": 1})
    assert total == {"HTTP 429": 5, "socket read": 1}
    assert bench.describe(total) == "HTTP 429 ×5, socket read ×1"


# --- ratios, targets, the last line ----------------------------------------------------------


def test_ratio_is_the_page_median_over_the_bare_median():
    assert bench.ratio(12.0, 1.5) == pytest.approx(8.0)
    assert bench.ratio(None, 1.5) is None
    assert bench.ratio(12.0, None) is None


@pytest.mark.parametrize(
    ("ratio", "html", "problems", "met"),
    [
        (8.0, 10_000, [], True),  # on the target is within it
        (8.01, 10_000, [], False),
        (2.0, 300 * 1024, [], False),  # fast but too big
        (2.0, None, [], True),  # a redirect has no page to weigh
        (2.0, 10_000, ["HTTP 500 (expected 200)"], False),  # an error is not a fast page
        (None, 10_000, [], False),  # not measured is not met
    ],
)
def test_a_page_meets_its_target_only_measured_clean_fast_and_small(ratio, html, problems, met):
    assert bench.page_met(ratio_=ratio, target=8.0, html_bytes=html, problems=problems) is met


def test_targets_follow_the_issue():
    assert bench.TARGETS["track"] == bench.TARGETS["home"] == bench.TARGETS["form"] == 8
    assert bench.TARGETS["post"] == 12
    assert bench.TARGETS["stations"] == bench.TARGETS["station"] == 10
    assert bench.TARGETS["delegates"] == 10
    assert bench.TARGETS["desk"] == bench.TARGETS["public"] == bench.TARGETS["dashboard"] == 30
    assert bench.group_of("form.post") == "post"
    assert bench.group_of("desk.detail.office") == "detail"
    assert bench.group_of("desk.unit.inbox.deep") == "desk"
    assert bench.group_of("reception.log") == "log"


def test_a_ledger_meets_the_target_when_its_progress_page_comes_within_two_seconds():
    assert bench.ledger_met({"status": 302, "first_byte_s": 1.9, "error": None})
    assert not bench.ledger_met({"status": 302, "first_byte_s": 2.1, "error": None})
    assert not bench.ledger_met({"status": None, "first_byte_s": None, "error": "timeout"})
    assert not bench.ledger_met({"status": 500, "first_byte_s": 0.1, "error": None})
    # The file must then come too.
    assert not bench.ledger_met({"status": 302, "first_byte_s": 0.1, "error": "the export failed"})


def test_the_ledger_button_is_read_from_its_form_and_the_export_from_the_redirect():
    page = (
        '<form method="get" action="/elsewhere/"><input type="hidden" name="x" value="1"></form>'
        '<form method="post" action="/ledgers/exports/">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="tok">'
        '<input type="hidden" name="kind" value="suggestions">'
        '<input type="hidden" name="state" value="closed">'
        '<input type="hidden" name="state" value="replied">'
        '<input type="hidden" name="q" value="&lt;路灯&gt;"></form>'
    )
    assert bench.form_fields(page, "/ledgers/exports/") == {
        "csrfmiddlewaretoken": ["tok"],
        "kind": ["suggestions"],
        "state": ["closed", "replied"],
        "q": ["<路灯>"],
    }
    assert bench.form_fields(page, "/nowhere/") == {}
    pk = "0b7e1c2a-3d4f-4a5b-8c6d-7e8f9a0b1c2d"
    assert bench.export_id(f"/ledgers/exports/{pk}/") == pk
    assert bench.export_id("/ledgers/") is None


def test_the_worst_page_is_the_highest_ratio_among_those_measured():
    pages = [
        {"name": "home", "ratio": 3.0},
        {"name": "desk.office.all", "ratio": 41.25},
        {"name": "track", "ratio": None},
    ]
    assert bench.worst(pages) == (41.25, "desk.office.all")
    assert bench.worst([{"name": "x", "ratio": None}]) == (None, "none measured")


LAST_LINE = re.compile(r"^bench: worst p50 ratio \d+\.\d \([^)]+\), targets met: (yes|no)$")


def test_last_line_has_the_promised_format():
    line = bench.last_line(41.25, "desk.office.all", False)
    assert line == "bench: worst p50 ratio 41.2 (desk.office.all), targets met: no"
    assert LAST_LINE.match(line)
    assert LAST_LINE.match(bench.last_line(3.04, "home", True)).group(1) == "yes"


def test_table_shows_each_page_with_its_numbers_and_verdict():
    table = bench.format_table(
        [
            {
                "name": "home",
                "p50_ms": 7.5,
                "p99_ms": 40.0,
                "rps8": 140.2,
                "ratio": 6.8,
                "queries": 3,
                "html_bytes": 11_700,
                "target": 8.0,
                "met": True,
                "note": "",
            },
            {"name": "track", "target": 8.0, "met": False, "note": "not measured: no rows"},
        ]
    )
    head, home, track = table.splitlines()
    assert head.split()[:3] == ["page", "p50", "ms"]
    assert home.split() == ["home", "7.50", "40.00", "140.2", "6.8", "3", "11.4", "≤8×", "yes"]
    assert track.endswith("no  not measured: no rows")


# --- what the driver sends -------------------------------------------------------------------


def test_page_filter_matches_dotted_segments_and_patterns():
    names = [
        "home",
        "form.get",
        "form.post",
        "desk.office.new",
        "desk.office.new.deep",
        "desk.unit.inbox",
        "ledger.performance",
    ]
    assert bench.select_pages(names, "") == names
    assert bench.select_pages(names, "desk") == names[3:6]
    assert bench.select_pages(names, "form") == ["form.get", "form.post"]  # not perFORMance
    assert bench.select_pages(names, "deep,home") == ["home", "desk.office.new.deep"]
    assert bench.select_pages(names, "desk.*.new") == ["desk.office.new"]


@pytest.mark.django_db
def test_deep_desk_page_starts_that_many_rows_down(client, submit, office_user):
    made = [submit(title=f"建议{n}") for n in range(40)]
    deep = bench.deep_page({"tab": "all"}, depth=30, user=office_user)
    assert set(deep) == {"tab", "after"}
    client.force_login(office_user)
    shown = client.get(bench.desk_url(deep)).context["suggestions"]
    assert [s.pk for s in shown] == [s.pk for s in made[::-1][30:]]
    # Past the end of the queue: its last page.
    last = bench.deep_page({"tab": "all"}, depth=50_000, user=office_user)
    assert len(client.get(bench.desk_url(last)).context["suggestions"]) == 25


def test_slow_pages_run_longer_but_never_stall_the_run():
    assert bench.duration_for(2, 0.05) == 2
    assert bench.duration_for(2, 1.9) == 3
    assert bench.duration_for(2, 12.0) == 15


def test_csrf_pair_is_what_django_accepts():
    """request.lua makes the same pair per request: the cookie secret, the masked token."""
    secret, token = bench.csrf_pair()
    assert len(secret) == 32
    assert len(token) == 64
    assert _unmask_cipher_token(token) == secret
    assert bench.csrf_pair() != (secret, token)


# --- the bare page ---------------------------------------------------------------------------


@pytest.fixture
def bench_on(settings):
    import congress_portal.urls

    settings.PORTAL_BENCH = True
    importlib.reload(congress_portal.urls)
    clear_url_caches()
    yield
    settings.PORTAL_BENCH = False
    importlib.reload(congress_portal.urls)
    clear_url_caches()


def test_bare_page_does_not_exist_without_the_setting(client, db):
    assert client.get("/_bench/bare/").status_code == 404


def test_bare_page_is_a_small_template_through_the_middleware(client, db, bench_on):
    response = client.get("/_bench/bare/")
    assert response.status_code == 200
    assert [t.name for t in response.templates] == ["bench/bare.html"]
    assert response.headers["Content-Security-Policy"]  # the same stack as every page
    assert len(response.content) < 2000


# --- the pages the driver builds -------------------------------------------------------------


@pytest.fixture
def bench_data(office_user, station_staff_user, delegate_user, unit_staff_user, walk_to, station):
    walk_to(State.CLOSED)
    walk_to(State.IN_PROGRESS)
    walk_to(State.SUBMITTED)
    city = Region.objects.create(name="测试市", kind=Region.Kind.CITY)
    district = station.region.parent
    district.parent = city
    district.save()
    ReceptionDayFactory(station=station, logged_at="2026-01-10T12:00:00+08:00", visitors=3)
    StreetFactory()  # an area without stations is not picked
    return {
        "office": office_user.username,
        "staff": station_staff_user.username,
        "delegate": delegate_user.username,
        "unit": unit_staff_user.username,
    }


def test_every_desk_tab_of_every_role_is_a_page_first_and_deep(bench_data):
    found = bench.lookup(bench_data)
    pages, missing = bench.build_pages(found)
    names = {page.name for page in pages}
    for role in bench_data:
        tabs = [tab.key for tab in tabs_for(found.users[role])]
        assert {f"desk.{role}.{key}" for key in tabs} <= names
        assert f"desk.{role}.{tabs[-1]}.deep" in names
    deep = next(page for page in pages if page.name == "desk.office.new.deep")
    assert "after=" in deep.path
    assert {
        "dashboard.national",
        "dashboard.city",
        "dashboard.street",
        "reception.log",
        "track",
        "form.post",
        "public.filtered",
    } <= names
    assert missing == []
    assert set(found.codes) == set(Suggestion.objects.values_list("tracking_code", flat=True))


def test_every_page_answers_its_account_as_the_benchmark_expects(bench_data, settings):
    """What the driver's check does against gunicorn, here in-process: the right status (a
    redirect for the POST, not the form again), and a query count for each."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    from django.test import Client

    found = bench.lookup(bench_data)
    pages, _ = bench.build_pages(found)
    sessions = {}
    name = settings.SESSION_COOKIE_NAME
    for role, user in found.users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = {name: client.cookies[name].value}
    before = Suggestion.objects.count()
    for page in pages:
        queries = bench.count_queries(page, sessions, found.codes, warm=True)
        assert queries is not None, f"{page.name} ({page.path}) did not answer {page.expect}"
        assert queries > 0
    assert Suggestion.objects.count() == before + 2  # the POST page made suggestions


def _sample(p50, bare, bad=None):
    return {
        "p50_ms": p50,
        "p99_ms": None if p50 is None else p50 * 2,
        "rps8": 100.0,
        "bad": bad or {},
        "bare_p50_ms": bare,
        "ratio": bench.ratio(p50, bare),
    }


def _entry(page, rounds, html=10_000, seconds=0.01):
    return {
        "name": page.name,
        "target": page.target,
        "html_bytes": html,
        "rounds": rounds,
        "bad": {},
        "problems": [],
        "check": {"seconds": seconds},
    }


def test_summary_takes_medians_over_rounds_and_flags_what_was_not_the_page():
    home = bench.Page(name="home", path="/", target=8.0)
    track = bench.Page(name="track", path="/track/{code}/", target=8.0, codes=True)
    board = bench.Page(name="public", path="/public/", target=30.0)
    slow = bench.Page(name="dashboard.national", path="/dashboard/", target=30.0)
    run = bench.Run(
        pages=[home, track, board, slow], missing=[("dashboard.city", "no city")], ledgers=[]
    )
    run.bare_rounds = [{"p50_ms": 1.0}, {"p50_ms": 1.0}, {"p50_ms": 1.0}]
    run.results = {
        # One slow round does not move the median.
        "home": _entry(home, [_sample(6.0, 1.0), _sample(30.0, 1.0), _sample(7.0, 1.0)]),
        "track": _entry(track, [_sample(3.0, 1.0, {"HTTP 429": 5}), _sample(3.0, 1.0)]),
        "public": _entry(board, [_sample(5.0, 1.0)], html=400 * 1024),
        # Slower than wrk's longest run: only the check request timed it.
        "dashboard.national": _entry(slow, [_sample(None, 1.0, {"no response": 1})], seconds=7.7),
    }
    rows = {row["name"]: row for row in bench.summarise(run)}
    assert rows["home"]["p50_ms"] == 7.0
    assert rows["home"]["ratio"] == 7.0
    assert rows["home"]["met"]
    assert not rows["track"]["met"]
    assert rows["track"]["note"] == "flagged: HTTP 429 ×5"
    assert not rows["public"]["met"]
    assert "HTML ≥ 300 KB" in rows["public"]["note"]
    assert rows["dashboard.national"]["ratio"] == pytest.approx(7700.0)
    assert "timed by one request only" in rows["dashboard.national"]["note"]
    assert not rows["dashboard.national"]["met"]
    assert not rows["dashboard.city"]["met"]
    assert rows["dashboard.city"]["note"] == "not measured: no city"


def test_pages_of_seconds_are_timed_with_fewer_requests_so_the_run_ends():
    fast = [bench.plan(0.05, n, 2) for n in (1, 2, 3)]
    assert fast == [{"mode": "wrk", "seconds": 2, "eight": True}] * 3
    slow = [bench.plan(1.5, n, 2) for n in (1, 2, 3)]
    assert [p["eight"] for p in slow] == [True, False, False]
    assert slow[0]["seconds"] == 3
    assert bench.plan(7.7, 1, 2) == {"mode": "single"}


@pytest.mark.django_db
def test_each_ledger_the_bench_asks_for_is_a_button_the_task_then_writes(client, settings):
    from accounts.models import AuditEvent
    from dashboard.models import LedgerExport
    from tests.accounts.factories import OfficeUserFactory

    office = OfficeUserFactory()
    client.force_login(office)
    urls = dict(bench.ledger_urls())
    assert {"ledger.suggestions", "ledger.receptions", "ledger.activities"} <= set(urls)
    for name, path in urls.items():
        page = client.get(path)
        assert page.status_code == 200, name
        fields = bench.form_fields(page.content.decode(), "/ledgers/exports/")
        fields.pop("csrfmiddlewaretoken", None)
        assert fields["kind"] == [name.split(".", 1)[1]]
        reply = client.post("/ledgers/exports/", fields)  # queued: no worker in this test
        pk = bench.export_id(reply["Location"])
        assert LedgerExport.objects.get(pk=pk).status == "queued"
        into = {}
        bench.run_export_in_process(pk, into, close=False)
        assert into["status"] == "done", into
        assert AuditEvent.objects.filter(action="ledger.export", detail__export=pk).exists()
        bench.discard_export(pk)
        assert not LedgerExport.objects.filter(pk=pk).exists()
