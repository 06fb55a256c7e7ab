"""`make bench`: every page people use, timed from outside against a bare page, in one run.

Serves the project with gunicorn (2 sync workers, DEBUG off) against the configured database,
with a bare template page (/_bench/bare/, congress_portal/bench.py) in the same server, and
drives both with wrk on loopback in interleaved rounds. Prints per page the median and p99
latency at 1 connection, requests/s at 8, the ratio of its p50 to the bare page's p50 measured
just before and after it in the same round (median over rounds), its SQL query count and HTML
size, against the targets of issue 12; writes JSON; the last line is

    bench: worst p50 ratio N.N (page), targets met: yes|no

Run with the venv's Python from the repository root: `make bench`, or
`.venv/bin/python scripts/bench.py --help`.

How it measures, and why:
- Requests carry ``X-Forwarded-Proto: https`` rather than running with SECURE_SSL_REDIRECT off:
  that is what the TLS-terminating proxy sends in production, so the production path is what
  is timed (no redirect, HSTS, secure cookies, CSRF's HTTPS Origin/Referer checks).
- ``PROXY_COUNT=1`` and a random ``X-Forwarded-For`` per request: each request is a different
  resident behind the proxy, as in production, so per-client rate limits (the tracking page's)
  see many clients, not one loopback address.
- Staff log in through the real login form (and the office's second factor, a TOTP computed
  from its confirmed device with django_otp): a session made directly would skip what a real
  login sets (session rotation, the OTP device, the start time the session lifetime checks)
  and would not notice an expired password or a missing device, which real staff would meet.
- Every page is requested once before timing: a page that errors, or redirects to the login,
  fails the benchmark instead of being a fast page. Its SQL queries are counted in this
  process with Django's test Client and CaptureQueriesContext on the same database, with the
  same session (the second of two requests: the first warms per-process caches).
- After each wrk run the driver waits until gunicorn has served what wrk left queued (wrk stops
  at its deadline, the requests it had sent are still served), so no page pays for the last.
- Ledgers are background jobs: each is asked for once after the rounds, as a person does (its
  page, its button's POST, the progress page: that must come within 2 s), then written by the
  task — run by this process in a thread, so no qcluster is needed and the time is the task's
  own; with --ledger-cluster by a `manage.py qcluster` beside the server — while the progress
  page is polled, and downloaded; times, size and rows are reported, with a timeout. The
  gunicorn workers' memory is read after the ledgers too: writing a file never touches them.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import http.client
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "scripts" / "bench" / "request.lua"

DEFAULT_ACCOUNTS = "office=bench-office,staff=bench-staff,delegate=bench-delegate,unit=bench-unit"
DEMO_ACCOUNTS = "office=office,staff=staff,delegate=delegate,unit=unit"
DEFAULT_PASSWORD = "bench-pass-2026"  # noqa: S105 — the benchmark accounts' published password
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105 — seed_demo's published password
ROLES = ("office", "staff", "delegate", "unit")

# Issue 12's targets: a page's p50 ÷ the bare page's p50, in the same run.
TARGETS = {
    "home": 8.0,
    "form": 8.0,
    "track": 8.0,
    "post": 12.0,
    "stations": 10.0,
    "station": 10.0,
    "delegates": 10.0,
    "desk": 30.0,
    "public": 30.0,
    "dashboard": 30.0,
    # Not named by the issue; held to the staff pages' bar.
    "detail": 30.0,
    "log": 30.0,
    "ledgers": 30.0,
    "performance": 30.0,
}
HTML_LIMIT = 300 * 1024
LEDGER_FIRST_BYTE_S = 2.0
RSS_LIMIT_MB = 200.0
DEEP_ROWS = 50_000
BARE_PATH = "/_bench/bare/"
BARE_EVERY = 10  # pages between two measurements of the bare page in a round
SLOW_S = 0.5  # a page slower than this is loaded with 8 connections in the first round only
SINGLE_S = 2.0  # a page slower than this is timed by one request a round, without wrk
LOAD_BEFORE = os.getloadavg()


# --- Pure parts (tests/test_bench.py) ----------------------------------------------------------

_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(us|ms|s|m|h)\s*$")


def parse_time_ms(text: str) -> float:
    """A wrk duration ("812.00us", "1.23ms", "2.01s", "1.02m") in milliseconds."""
    match = _TIME.match(text)
    if not match:
        raise ValueError(f"not a wrk time: {text!r}")
    return float(match.group(1)) * _TIME_UNITS_MS[match.group(2)]


@dataclass
class WrkResult:
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    non_2xx_3xx: int = 0
    socket_errors: dict = field(default_factory=dict)
    statuses: dict | None = None  # from request.lua's done(); None when the line is missing

    def bad(self, expect: tuple[int, ...]) -> dict[str, int]:
        """What in this run was not the page: unexpected statuses (request.lua's count, or
        wrk's "Non-2xx or 3xx responses" without it), socket errors, no response at all."""
        found: dict[str, int] = {}
        if self.statuses is not None:
            for status, n in self.statuses.items():
                if status not in expect:
                    found[f"HTTP {status}"] = n
        if self.non_2xx_3xx and not any(s >= 400 for s in (self.statuses or {})):
            found["non-2xx/3xx"] = self.non_2xx_3xx
        for kind, n in self.socket_errors.items():
            if n:
                found[f"socket {kind}"] = n
        if self.requests == 0:
            found["no response"] = 1
        return found


def add_counts(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    for key, n in more.items():
        total[key] = total.get(key, 0) + n
    return total


def describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} ×{n:,}" for key, n in sorted(counts.items()))


def parse_wrk(text: str) -> WrkResult:
    """wrk's text report (with --latency) and request.lua's "bench-statuses" line."""
    result = WrkResult()
    match = re.search(r"^\s*(\d+) requests in ([0-9.]+\w+),", text, re.M)
    if match:
        result.requests = int(match.group(1))
        result.seconds = parse_time_ms(match.group(2)) / 1000
    match = re.search(r"^Requests/sec:\s*([0-9.]+)", text, re.M)
    if match:
        result.rps = float(match.group(1))
    distribution = dict(re.findall(r"^\s*(50|75|90|99)(?:\.0+)?%\s+([0-9.]+\w+)\s*$", text, re.M))
    if result.requests and "50" in distribution:
        result.p50_ms = parse_time_ms(distribution["50"])
    if result.requests and "99" in distribution:
        result.p99_ms = parse_time_ms(distribution["99"])
    match = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
    if match:
        result.non_2xx_3xx = int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if match:
        result.socket_errors = dict(
            zip(("connect", "read", "write", "timeout"), map(int, match.groups()), strict=True)
        )
    match = re.search(r"^bench-statuses(.*)$", text, re.M)
    if match:
        result.statuses = {
            int(status): int(n) for status, n in re.findall(r"(\d+)=(\d+)", match.group(1))
        }
    return result


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(page_ms: float | None, bare_ms: float | None) -> float | None:
    """A page's p50 over the bare page's p50 of the same round."""
    if page_ms is None or not bare_ms:
        return None
    return page_ms / bare_ms


def page_met(*, ratio_: float | None, target: float, html_bytes: int | None, problems) -> bool:
    """A page meets its target when it was measured cleanly, is fast enough and small enough."""
    if problems or ratio_ is None:
        return False
    if html_bytes is not None and html_bytes >= HTML_LIMIT:
        return False
    return ratio_ <= target


def ledger_met(entry: dict) -> bool:
    """A ledger meets the target when its progress page came within 2 s of the button's
    POST (a redirect) and its file was then written and downloaded without an error."""
    return (
        entry.get("error") is None
        and entry.get("status") in (200, 202, 302, 303)
        and entry.get("first_byte_s") is not None
        and entry["first_byte_s"] <= LEDGER_FIRST_BYTE_S
    )


def worst(pages: list[dict]) -> tuple[float | None, str]:
    """The highest p50 ratio among the measured pages, and its page."""
    measured = [p for p in pages if p.get("ratio") is not None]
    if not measured:
        return None, "none measured"
    top = max(measured, key=lambda p: p["ratio"])
    return top["ratio"], top["name"]


def last_line(worst_ratio: float | None, worst_page: str, met: bool) -> str:
    shown = "n/a" if worst_ratio is None else f"{worst_ratio:.1f}"
    return f"bench: worst p50 ratio {shown} ({worst_page}), targets met: {'yes' if met else 'no'}"


def select_pages(names: list[str], pattern: str) -> list[str]:
    """BENCH_PAGES: comma-separated parts of page names, whole dotted segments ("desk",
    "office", "desk.office", "deep") or shell patterns ("desk.*.new"); empty selects all."""
    wanted = [part.strip() for part in (pattern or "").split(",") if part.strip()]
    if not wanted:
        return list(names)

    def matches(name: str, part: str) -> bool:
        if any(ch in part for ch in "*?["):
            return fnmatch.fnmatchcase(name, part)
        return f".{part}." in f".{name}."

    return [name for name in names if any(matches(name, part) for part in wanted)]


def csrf_pair(rng: random.Random | None = None) -> tuple[str, str]:
    """A CSRF cookie secret and its masked form token, as Django makes them (and request.lua)."""
    chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    rng = rng or random.SystemRandom()
    secret = [rng.randrange(62) for _ in range(32)]
    mask = [rng.randrange(62) for _ in range(32)]
    return (
        "".join(chars[s] for s in secret),
        "".join(chars[m] for m in mask)
        + "".join(chars[(s + m) % 62] for s, m in zip(secret, mask, strict=True)),
    )


def format_table(rows: list[dict]) -> str:
    """The report: one line per page."""
    header = (
        "page",
        "p50 ms",
        "p99 ms",
        "req/s@8",
        "× bare",
        "queries",
        "HTML KB",
        "target",
        "met",
    )
    lines = [header]
    for row in rows:
        lines.append(
            (
                row["name"],
                _num(row.get("p50_ms"), 2),
                _num(row.get("p99_ms"), 2),
                _num(row.get("rps8"), 1),
                _num(row.get("ratio"), 1),
                "—" if row.get("queries") is None else str(row["queries"]),
                _num(None if row.get("html_bytes") is None else row["html_bytes"] / 1024, 1),
                f"≤{row['target']:g}×",
                ("yes" if row.get("met") else "no")
                + (f"  {row['note']}" if row.get("note") else ""),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    out = []
    for line in lines:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:-1], widths[1:], strict=True)]
        out.append("  ".join(cells) + "  " + line[-1])
    return "\n".join(out)


def _num(value, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


# --- The pages ---------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    path: str
    target: float
    account: str | None = None  # a key of ROLES, None: anonymous
    method: str = "GET"
    expect: tuple[int, ...] = (200,)
    codes: bool = False  # "{code}" in the path: a random real tracking code per request
    form: dict | None = None  # POST fields (csrf and submission_key are added per request)
    note: str = ""


def desk_page_size() -> int:
    try:
        from suggestions.desk import PAGE_SIZE
    except ImportError:
        return 25
    return PAGE_SIZE


def deep_page(params: dict, *, depth: int = DEEP_ROWS, user=None) -> dict:
    """The desk query of a page ``depth`` rows deep: the one place that knows how the desk
    pages. The desk pages by keyset (``?after=<signed cursor>``), so this finds the row
    ``depth`` rows down in ``user``'s queue with these filters (one OFFSET query, here and never
    on a request) and links the page after it; past the end of the queue, its last page."""
    from django.test import RequestFactory

    from suggestions import desk
    from suggestions.filters import SuggestionFilter
    from suggestions.models import Suggestion
    from suggestions.selectors import suggestions_visible_to

    request = RequestFactory().get("/", params)
    request.user = user
    scope = suggestions_visible_to(user) if user is not None else Suggestion.objects.all()
    rows = SuggestionFilter(request.GET, queryset=scope, request=request).qs
    if user is not None:
        tab = next((t for t in desk.tabs_for(user) if t.key == params.get("tab")), None)
        if tab is not None:
            rows = rows.filter(tab.condition)
    return {**params, "after": desk.cursor_at_depth(rows, depth)}


def desk_url(params: dict) -> str:
    from django.urls import reverse

    return f"{reverse('suggestions:desk')}?{urlencode(params, doseq=True)}"


@dataclass
class Fixtures:
    """What the pages need from the database, looked up once."""

    users: dict = field(default_factory=dict)
    codes: list = field(default_factory=list)
    station_id: int | None = None
    category_id: int | None = None
    unit_id: int | None = None
    delegate_id: int | None = None
    city: object = None
    street: object = None
    area: object = None  # the desk's area filter: the city, else the street's district
    office_suggestion_id: int | None = None
    delegate_suggestion_id: int | None = None
    reception_day_id: int | None = None
    q: str = ""
    year: int = 0

    def describe(self) -> dict:
        """What the pages were built from, for the JSON."""
        return {
            "accounts": {role: user.get_username() for role, user in self.users.items()},
            "codes": len(self.codes),
            "station": self.station_id,
            "category": self.category_id,
            "unit": self.unit_id,
            "delegate": self.delegate_id,
            "city": self.city.pk if self.city else None,
            "street": self.street.pk if self.street else None,
            "area": self.area.pk if self.area else None,
            "office_suggestion": self.office_suggestion_id,
            "delegate_suggestion": self.delegate_suggestion_id,
            "reception_day": self.reception_day_id,
            "q": self.q,
        }


def lookup(accounts: dict[str, str]) -> Fixtures:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from congress_portal.clock import today
    from stations.models import ReceptionDay, Region, Station
    from suggestions.models import Category, State, Suggestion

    found = Fixtures(year=today().year)
    User = get_user_model()
    for role, username in accounts.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            raise SystemExit(
                f"bench: no account {username!r} for the {role} pages; make it with "
                "generate_scale (or pass --demo / --accounts)"
            )
        found.users[role] = user

    # The busiest active station: its page, the filters, and where the resident form posts.
    busiest = (
        Suggestion.objects.filter(station__is_active=True)
        .order_by()
        .values("station_id")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    found.station_id = (
        busiest["station_id"]
        if busiest
        else (Station.objects.filter(is_active=True).values_list("id", flat=True).first())
    )
    found.category_id = Category.objects.filter(is_active=True).values_list("id", flat=True).first()
    found.unit_id = (
        Suggestion.objects.exclude(handling_unit=None)
        .values_list("handling_unit_id", flat=True)
        .first()
    )
    found.delegate_id = (
        Suggestion.objects.exclude(delegate=None).values_list("delegate_id", flat=True).first()
    )

    with_stations = Station.objects.values("region_id")
    found.street = Region.objects.filter(kind=Region.Kind.STREET, pk__in=with_stations).first()
    found.city = next(
        (
            city
            for city in Region.objects.filter(kind=Region.Kind.CITY).order_by("pk")
            if Station.objects.filter(region__path__startswith=city.path).exists()
        ),
        None,
    )

    found.area = found.city or (found.street and (found.street.parent or found.street))

    # A suggestion with a long trail: the office's detail page.
    found.office_suggestion_id = (
        Suggestion.objects.filter(state=State.CLOSED)
        .order_by("-reopen_count", "-pk")
        .values_list("pk", flat=True)
        .first()
    ) or Suggestion.objects.values_list("pk", flat=True).first()
    from suggestions.selectors import user_delegate

    delegate = user_delegate(found.users["delegate"]) if "delegate" in found.users else None
    if delegate is not None:
        found.delegate_suggestion_id = (
            Suggestion.objects.filter(delegate=delegate)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )

    if "staff" in found.users:
        from stations.selectors import stations_managed_by

        found.reception_day_id = (
            ReceptionDay.objects.filter(
                station__in=stations_managed_by(found.users["staff"]), logged_at__isnull=False
            )
            .order_by("-date")
            .values_list("pk", flat=True)
            .first()
        )

    title = Suggestion.objects.order_by("pk").values_list("title", flat=True).first() or ""
    found.q = "".join(ch for ch in title if ch.isalnum())[:2] or "路"

    found.codes = tracking_codes(2000)
    return found


def tracking_codes(n: int) -> list[str]:
    """Up to ``n`` real tracking codes from across the table (random ids, no ORDER BY random())."""
    from django.db.models import Max, Min

    from suggestions.models import Suggestion

    bounds = Suggestion.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    rng = random.Random(7)
    ids = {rng.randint(bounds["lo"], bounds["hi"]) for _ in range(n)}
    codes = []
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        codes += Suggestion.objects.filter(pk__in=ids[start : start + 500]).values_list(
            "tracking_code", flat=True
        )
    return codes


def submission_fields(found: Fixtures) -> dict:
    """What a resident fills in on /suggestions/new/ (suggestions/forms.py SuggestionForm);
    csrfmiddlewaretoken and submission_key are added per request."""
    return {
        "category": str(found.category_id),
        "title": "小区门口路灯不亮（压测）",
        "content": "晚上七点以后整条路没有灯，老人孩子出门不方便，建议尽快维修。",
        "station": str(found.station_id),
        "place": "",
        "address": "新民路 12 号",
        "submitter_name": "压测",
        # A fresh mobile number per request ("{phone}", filled by request.lua and form_values):
        # submissions are limited per phone number, as they would be for one resident.
        "submitter_phone": "{phone}",
        "privacy": "on",
        "consent_disclosure": "on",
    }


def build_pages(found: Fixtures) -> tuple[list[Page], list[tuple[str, str]]]:
    """Every page people use, with its target; and the pages that could not be built (why)."""
    from django.urls import reverse

    from congress_portal.clock import today
    from suggestions.desk import tabs_for
    from suggestions.models import Channel, State

    pages: list[Page] = []
    missing: list[tuple[str, str]] = []

    def add(name, path, group, **kwargs):
        pages.append(Page(name=name, path=path, target=TARGETS[group], **kwargs))

    add("home", reverse("core:home"), "home")
    add("form.get", reverse("suggestions:new"), "form")
    add(
        "form.post",
        reverse("suggestions:new"),
        "post",
        method="POST",
        expect=(302,),
        form=submission_fields(found),
    )
    if found.codes:
        add(
            "track",
            reverse("suggestions:track_detail", args=["CODE"]).replace("CODE", "{code}"),
            "track",
            codes=True,
        )
    else:
        missing.append(("track", "no suggestion in the database"))
    add("stations", reverse("stations:list"), "stations")
    if found.station_id:
        add("station", reverse("stations:detail", args=[found.station_id]), "station")
    add("delegates.search", f"{reverse('delegates:list')}?q=zh", "delegates")

    # The desk: every tab of every role, first page; the deep page of every office tab and of
    # each other role's widest tab; the filters the UI offers.
    for role in ROLES:
        user = found.users.get(role)
        if user is None:
            continue
        tabs = [tab.key for tab in tabs_for(user)]
        for key in tabs:
            add(f"desk.{role}.{key}", desk_url({"tab": key}), "desk", account=role)
        widest = "all" if "all" in tabs else tabs[-1]
        for key in tabs if role == "office" else [widest]:
            add(
                f"desk.{role}.{key}.deep",
                desk_url(deep_page({"tab": key}, user=user)),
                "desk",
                account=role,
            )
    days_ago = (today() - datetime.timedelta(days=90)).isoformat()
    office_filters = {
        "state": {"state": [State.REPLIED, State.CLOSED]},
        "category": {"category": found.category_id},
        "station": {"station": found.station_id},
        "area": {"region": found.area.pk if found.area else None},
        "unit": {"unit": found.unit_id},
        "delegate": {"delegate": found.delegate_id},
        "channel": {"channel": Channel.RECEPTION_DAY},
        "dates": {"submitted_after": days_ago, "submitted_before": today().isoformat()},
        "overdue": {"overdue": "on"},
        "reopened": {"reopened": "on"},
        "q": {"q": found.q},
    }
    if "office" in found.users:
        for label, params in office_filters.items():
            if any(v is None for v in params.values()):
                missing.append((f"desk.office.filter.{label}", "no such row in the database"))
                continue
            add(
                f"desk.office.filter.{label}",
                desk_url({"tab": "all", **params}),
                "desk",
                account="office",
            )
        add(
            "desk.office.filter.state.deep",
            desk_url(
                deep_page({"tab": "all", **office_filters["state"]}, user=found.users["office"])
            ),
            "desk",
            account="office",
        )
    for role in ("staff", "delegate", "unit"):
        if role in found.users:
            params = {
                "tab": "all",
                "state": [State.REPLIED, State.CLOSED],
                "category": found.category_id,
            }
            add(f"desk.{role}.filter.state_category", desk_url(params), "desk", account=role)
    if found.office_suggestion_id:
        add(
            "desk.detail.office",
            reverse("suggestions:desk_detail", args=[found.office_suggestion_id]),
            "detail",
            account="office",
        )
    if found.delegate_suggestion_id:
        add(
            "desk.detail.delegate",
            reverse("suggestions:desk_detail", args=[found.delegate_suggestion_id]),
            "detail",
            account="delegate",
        )
    else:
        missing.append(("desk.detail.delegate", "the delegate account has no suggestion"))

    dashboard = reverse("dashboard:dashboard")
    add("dashboard.national", dashboard, "dashboard", account="office")
    if found.city is not None:
        add("dashboard.city", f"{dashboard}?region={found.city.pk}", "dashboard", account="office")
    else:
        missing.append(("dashboard.city", "no city-kind area with stations"))
    if found.street is not None:
        add(
            "dashboard.street",
            f"{dashboard}?region={found.street.pk}",
            "dashboard",
            account="office",
        )
    else:
        missing.append(("dashboard.street", "no street-kind area with stations"))
    add("dashboard.staff", dashboard, "dashboard", account="staff")

    public = reverse("dashboard:public")
    add("public", public, "public")
    add(
        "public.filtered",
        f"{public}?"
        + urlencode(
            {
                "station": found.station_id,
                "category": found.category_id,
                "status": "closed",
                "year": found.year,
            }
        ),
        "public",
    )
    add("public.search", f"{public}?" + urlencode({"q": found.q}), "public")
    if found.area is not None:
        add("public.area", f"{public}?" + urlencode({"area": found.area.pk}), "public")

    if found.reception_day_id:
        add(
            "reception.log",
            reverse("stations:day_log", args=[found.reception_day_id]),
            "log",
            account="staff",
        )
    else:
        missing.append(("reception.log", "no logged reception day at the staff's stations"))
    add("ledgers.index", reverse("dashboard:ledgers"), "ledgers", account="office")
    # The office's list of every delegate's performance file (kept figures, paged in SQL).
    performance = reverse("delegates:performance_list")
    add("performance.list", performance, "performance", account="office")
    add(
        "performance.behind",
        f"{performance}?" + urlencode({"status": "behind", "sort": "-visits", "page": 20}),
        "performance",
        account="office",
    )
    return pages, missing


def ledger_urls() -> list[tuple[str, str]]:
    """Each Excel ledger under /ledgers/ that is installed."""
    from django.urls import NoReverseMatch, reverse

    found = []
    for kind in ("suggestions", "receptions", "activities", "performance"):
        try:
            found.append((f"ledger.{kind}", reverse(f"dashboard:ledger_{kind}")))
        except NoReverseMatch:
            pass
    return found


# --- HTTP from this process --------------------------------------------------------------------


def random_client() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    seconds: float

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Server:
    """gunicorn serving the project, started and stopped by this run only."""

    def __init__(self, *, env: dict, workers: int, timeout: int, log: Path):
        self.port = free_port()
        self.origin = f"https://127.0.0.1:{self.port}"
        self.log = log
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "congress_portal.wsgi",
            "-k",
            "sync",
            "-w",
            str(workers),
            "--timeout",
            str(timeout),
            "--bind",
            f"127.0.0.1:{self.port}",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self):
        handle = self.log.open("w")
        self.process = subprocess.Popen(  # noqa: S603 — our own gunicorn, fixed arguments
            self.command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: gunicorn exited:\n{self.log_tail()}")
            try:
                if self.request("GET", "/healthz", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"bench: gunicorn did not answer /healthz in 60 s:\n{self.log_tail()}")

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def log_count(self, needle: str) -> int:
        try:
            return self.log.read_text(errors="replace").count(needle)
        except OSError:
            return 0

    def workers(self) -> list[dict]:
        """Each worker's resident memory now."""
        if self.process is None:
            return []
        found = []
        for pid in child_pids(self.process.pid):
            rss = rss_mb(pid)
            if rss is not None:
                found.append({"pid": pid, "rss_mb": round(rss, 1)})
        return found

    def request(self, method, path, *, cookies=None, body=None, headers=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        sent = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": random_client(),
            "User-Agent": "portal-bench",
        }
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        sent.update(headers or {})
        started = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        return Reply(response.status, response.headers, data, time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def update_jar(jar: dict, reply: Reply):
    for header in reply.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            if morsel["max-age"] == "0" or not morsel.value:
                jar.pop(name, None)
            else:
                jar[name] = morsel.value


def form_body(fields: dict) -> tuple[bytes, dict]:
    return urlencode(fields, doseq=True).encode(), {
        "Content-Type": "application/x-www-form-urlencoded"
    }


def hidden_token(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise SystemExit("bench: no CSRF token on the login page")
    return match.group(1)


def login(server: Server, user, password: str) -> dict:
    """A session through the real login form, and the second factor when it is asked for."""
    from django.urls import reverse

    login_path, home = reverse("accounts:login"), reverse("accounts:home")
    second = reverse("accounts:second_factor")
    jar: dict = {}
    client = {"X-Forwarded-For": "10.255.0.1"}  # one address: django-axes counts per user + IP

    def post(path, fields):
        page = server.request("GET", path, cookies=jar, headers=client)
        update_jar(jar, page)
        body, headers = form_body({**fields, "csrfmiddlewaretoken": hidden_token(page.text)})
        headers.update(client, Origin=server.origin, Referer=server.origin + path)
        reply = server.request("POST", path, cookies=jar, body=body, headers=headers)
        update_jar(jar, reply)
        return reply

    reply = post(login_path, {"username": user.get_username(), "password": password})
    if reply.status != 302:
        raise SystemExit(
            f"bench: logging in as {user.get_username()!r} failed (HTTP {reply.status}): wrong "
            "password, or locked out"
        )
    reply = server.request("GET", home, cookies=jar, headers=client)
    update_jar(jar, reply)
    if reply.status == 302 and reply.location.startswith(second):
        token = totp_token(user)
        reply = post(second, {"token": token, "next": home})
        if reply.status != 302:
            raise SystemExit(f"bench: the second factor of {user.get_username()!r} was refused")
        reply = server.request("GET", home, cookies=jar, headers=client)
        update_jar(jar, reply)
    if reply.status != 200:
        raise SystemExit(
            f"bench: after logging in, {user.get_username()!r} is sent to {reply.location!r} "
            f"(HTTP {reply.status}) — an expired password?"
        )
    return {k: v for k, v in jar.items() if k in session_cookie_names()}


def session_cookie_names() -> set[str]:
    from django.conf import settings

    return {settings.SESSION_COOKIE_NAME}


def totp_token(user) -> str:
    """The current code of the user's confirmed TOTP device (django_otp's own algorithm)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise SystemExit(
            f"bench: {user.get_username()!r} needs a second factor but has no confirmed TOTP "
            "device (generate_scale makes one; for the demo data set PORTAL_OFFICE_OTP=false)"
        )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if device.last_t is not None and totp.t() <= device.last_t:
        # This step's code was used already (a run a moment ago): wait for the next one.
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.5)
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- Checks and query counts -------------------------------------------------------------------


def form_values(form: dict) -> dict:
    """The POST fields with "{phone}" replaced by a random mobile number."""
    phone = f"13{random.randint(0, 999_999_999):09d}"
    return {key: value.replace("{phone}", phone) for key, value in form.items()}


def fill(page: Page, codes: list[str]) -> str:
    return page.path.replace("{code}", random.choice(codes)) if page.codes else page.path


def multipart(fields: dict, file_field: str = "photos") -> tuple[bytes, dict]:
    boundary = "----portalbench" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename=""\r\n'
        "Content-Type: application/octet-stream\r\n\r\n\r\n"
    )
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def check(server: Server, page: Page, sessions: dict, codes: list[str]) -> dict:
    """One request as wrk will make it: status, size, time; a problem when it is not the page."""
    from django.urls import reverse

    cookies = dict(sessions.get(page.account) or {})
    path = fill(page, codes)
    if page.method == "POST":
        secret, token = csrf_pair()
        cookies["csrftoken"] = secret
        body, headers = multipart(
            {
                "csrfmiddlewaretoken": token,
                "submission_key": str(uuid.uuid4()),
                **form_values(page.form),
            }
        )
        headers.update(Origin=server.origin, Referer=server.origin + path)
    else:
        body, headers = None, {}
    started = time.perf_counter()
    try:
        reply = server.request(page.method, path, cookies=cookies, body=body, headers=headers)
    except (OSError, http.client.HTTPException) as error:
        seconds = time.perf_counter() - started
        return {
            "status": None,
            "html_bytes": None,
            "seconds": seconds,
            "problem": f"no answer ({type(error).__name__} after {seconds:.1f} s: a worker "
            "timeout?)",
        }
    result = {"status": reply.status, "html_bytes": len(reply.body), "seconds": reply.seconds}
    problem = None
    if reply.status not in page.expect:
        problem = f"HTTP {reply.status} (expected {'/'.join(map(str, page.expect))})"
        if reply.status == 429:
            problem += ": rate-limited — the limit does not see X-Forwarded-For"
        if reply.status in (301, 302) and reply.location:
            problem += f" → {reply.location}"
        if reply.status == 200 and page.method == "POST":
            errors = re.findall(r'class="invalid-feedback[^"]*"[^>]*>([^<]+)<', reply.text)
            problem += ": the form was refused" + (f" ({errors[0].strip()})" if errors else "")
    elif reply.status in (301, 302, 303):
        if reply.location.startswith((reverse("accounts:login"), reverse("suggestions:new"))):
            problem = f"redirects to {reply.location}"
    if page.method == "POST":
        result["html_bytes"] = None  # a redirect: no page to weigh
    result["problem"] = problem
    return result


def count_queries(
    page: Page, sessions: dict, codes: list[str], *, warm: bool = False
) -> int | None:
    """The page's SQL queries, in this process with the same session; ``warm``: request it
    once first (the first request of an account fills per-process caches)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    for name, value in (sessions.get(page.account) or {}).items():
        client.cookies[name] = value
    count = None
    for _ in range(2 if warm else 1):
        extra = {"HTTP_X_FORWARDED_FOR": random_client()}
        path = fill(page, codes)
        with CaptureQueriesContext(connection) as queries:
            if page.method == "POST":
                response = client.post(
                    path, {"submission_key": str(uuid.uuid4()), **form_values(page.form)}, **extra
                )
            else:
                response = client.get(path, **extra)
        if response.status_code not in page.expect:
            return None
        count = len(queries)
    return count


# --- wrk ---------------------------------------------------------------------------------------


def run_wrk(
    server: Server,
    page: Page,
    *,
    connections: int,
    seconds: int,
    sessions: dict,
    codes_file: Path,
    form_file: Path | None,
) -> WrkResult:
    threads = 1 if connections == 1 else 2
    env = {
        **os.environ,
        "BENCH_PATH": page.path,
        "BENCH_METHOD": page.method,
        "BENCH_COOKIE": "; ".join(
            f"{k}={v}" for k, v in (sessions.get(page.account) or {}).items()
        ),
        "BENCH_CODES": str(codes_file) if page.codes else "",
        "BENCH_FORM": str(form_file) if form_file else "",
        "BENCH_ORIGIN": server.origin,
        "BENCH_FILE": "photos" if page.method == "POST" else "",
    }
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "60s",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{server.port}/",
    ]
    done = subprocess.run(  # noqa: S603 — wrk with our arguments
        command, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    result = parse_wrk(done.stdout)
    if done.returncode != 0 and not result.requests:
        result.socket_errors = {"wrk exit": done.returncode}
    return result


def duration_for(seconds: int, single_s: float | None) -> int:
    """wrk's run length: BENCH_SECONDS, longer for a slow page so that a few requests finish,
    capped so that a page of many seconds does not stall the run."""
    if single_s is None:
        return seconds
    return int(min(max(seconds, math.ceil(1.5 * single_s)), max(seconds, 15)))


def plan(single_s: float | None, round_number: int, seconds: int) -> dict:
    """How a page is timed in a round, from its check request's time. A page of seconds is
    far past every target, and timing it as closely as a fast one would take the run hours
    (each request that 8 connections leave queued must be served before the next page):
    over SLOW_S it is loaded with 8 connections in the first round only, over SINGLE_S it is
    timed by one request a round, without wrk."""
    if single_s is not None and single_s > SINGLE_S:
        return {"mode": "single"}
    slow = single_s is not None and single_s > SLOW_S
    return {
        "mode": "wrk",
        "seconds": duration_for(seconds, single_s),
        "eight": not slow or round_number == 1,
    }


# --- Ledgers -----------------------------------------------------------------------------------


LEDGER_POLL_S = 1.0  # between two looks at a running export's progress page
_EXPORT_PATH = re.compile(r"/ledgers/exports/([0-9a-f-]{36})/$")


def form_fields(html: str, action: str) -> dict[str, list[str]]:
    """The hidden inputs of the form that posts to ``action``: the ledger's kind, filters and
    CSRF token, as a person's browser would send them."""
    import html as html_module

    marker = f'action="{action}"'
    if marker not in html:
        return {}
    form = html.split(marker, 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields.setdefault(html_module.unescape(name), []).append(html_module.unescape(value))
    return fields


def export_id(location: str) -> str | None:
    """The export a POST to the ledgers redirected to (its progress page), or None."""
    match = _EXPORT_PATH.search(location.split("?", 1)[0])
    return match.group(1) if match else None


def run_export_in_process(pk: str, into: dict, close: bool = True) -> None:
    """The background task itself, in this process (a thread): what ``manage.py qcluster``
    runs. Idempotent: when a real cluster took the export first, it leaves it alone. The
    thread's own database connection is closed after it (``close``)."""
    import resource

    from django.db import connection

    from dashboard.tasks import build_ledger_export

    started = time.perf_counter()
    try:
        into["status"] = build_ledger_export(pk)
    except Exception as error:  # reported, not raised: the benchmark goes on
        into["error"] = f"task: {type(error).__name__}: {error}"
    finally:
        if close:
            connection.close()
    into["seconds"] = round(time.perf_counter() - started, 1)
    into["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def time_ledger(
    server: Server, name: str, path: str, cookies: dict, timeout: float, cluster: bool = False
) -> dict:
    """Ask for one ledger as a person does and follow it to the file.

    The ledger's page (with no filters: all the office sees), its button (a POST that queues
    the export and redirects), the progress page: ``first_byte_s`` is the POST plus that page,
    which must come within 2 s whatever the size. Then the export is written — by this
    process running the task in a thread (default: no qcluster is needed), or with
    ``cluster`` by a ``manage.py qcluster`` that runs beside the server — while the progress
    page is requested every second (``poll_max_s``, its slowest answer while the export
    runs); ``done_s`` is when the file was ready, ``total_s`` when it was downloaded; rows
    from its ``ledger.export`` audit record."""
    import threading

    from django.urls import reverse

    from accounts.models import AuditEvent
    from dashboard.models import LedgerExport

    entry = {
        "name": name,
        "path": path,
        "status": None,
        "first_byte_s": None,
        "poll_max_s": None,
        "done_s": None,
        "total_s": None,
        "bytes": 0,
        "rows": None,
        "worker": "qcluster" if cluster else "in-process",
        "task": {},
        "error": None,
    }
    jar = dict(cookies)
    create = reverse("dashboard:ledger_export_create")
    pk = None
    try:
        page = server.request("GET", path, cookies=jar, timeout=timeout)
        update_jar(jar, page)
        fields = form_fields(page.text, create)
        if page.status != 200 or "kind" not in fields:
            entry["status"] = page.status
            entry["error"] = f"the ledger's page gave HTTP {page.status} without its button"
            return entry
        body, headers = form_body(fields)
        headers.update(Origin=server.origin, Referer=server.origin + path)
        started = time.perf_counter()
        reply = server.request(
            "POST", create, cookies=jar, body=body, headers=headers, timeout=timeout
        )
        entry["status"] = reply.status
        pk = export_id(reply.location)
        if reply.status not in (302, 303) or pk is None:
            entry["error"] = f"the button gave HTTP {reply.status} to {reply.location!r}"
            return entry
        progress = server.request("GET", reply.location, cookies=jar, timeout=timeout)
        entry["first_byte_s"] = round(time.perf_counter() - started, 3)
        if progress.status != 200:
            entry["error"] = f"the progress page gave HTTP {progress.status}"
            return entry
        worker = None
        if not cluster:
            worker = threading.Thread(
                target=run_export_in_process, args=(pk, entry["task"]), daemon=True
            )
            worker.start()
        polls = []
        while True:
            export = LedgerExport.objects.filter(pk=pk).values("status", "rows_done").first()
            if export is None or export["status"] in ("done", "failed"):
                break
            if time.perf_counter() - started > timeout:
                entry["poll_max_s"] = round(max(polls), 3) if polls else None
                waiting = export["status"] == "queued"
                entry["error"] = f"timeout after {timeout:.0f} s" + (
                    " (no worker took the export: is manage.py qcluster running?)"
                    if waiting
                    else f" at {export['rows_done']:,} rows"
                )
                return entry
            # Quick looks first, so that a small ledger's time is not the poll's.
            time.sleep(LEDGER_POLL_S if len(polls) >= 10 else LEDGER_POLL_S / 5)
            polls.append(
                server.request("GET", reply.location, cookies=jar, timeout=timeout).seconds
            )
        if worker is not None:
            worker.join(timeout=60)
        entry["poll_max_s"] = round(max(polls), 3) if polls else None
        entry["done_s"] = round(time.perf_counter() - started, 1)
        if export is None or export["status"] != "done":
            entry["error"] = entry["task"].get("error") or "the export failed"
            return entry
        size, error = download(
            server, reverse("dashboard:ledger_export_download", args=[pk]), jar, timeout
        )
        entry["bytes"], entry["error"] = size, error
        entry["total_s"] = round(time.perf_counter() - started, 1)
    except (OSError, http.client.HTTPException) as error:
        entry["error"] = f"{type(error).__name__}: {error}"
    if pk is None:
        return entry
    record = (
        AuditEvent.objects.filter(action="ledger.export", detail__export=pk)
        .values_list("detail", flat=True)
        .first()
    )
    if record:
        entry["rows"] = record.get("rows")
    discard_export(pk)
    return entry


def discard_export(pk: str) -> None:
    """The benchmark's export and its file go once measured (a province's is ~100 MB)."""
    from dashboard import exports
    from dashboard.models import LedgerExport

    export = LedgerExport.objects.filter(pk=pk).first()
    if export is None or export.is_pending:
        return  # still being written by a cluster: the hourly prune takes it later
    path = exports.file_path(export)
    if path is not None:
        path.unlink(missing_ok=True)
    export.delete()


def download(server: Server, path: str, jar: dict, timeout: float) -> tuple[int, str | None]:
    """Stream a file down, counting its bytes: (size, error or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(
            "GET",
            path,
            headers={
                "X-Forwarded-Proto": "https",
                "X-Forwarded-For": random_client(),
                "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            },
        )
        response = conn.getresponse()
        if response.status != 200:
            return 0, f"the download gave HTTP {response.status}"
        size = 0
        while chunk := response.read(65536):
            size += len(chunk)
        return size, None
    finally:
        conn.close()


# --- The run -----------------------------------------------------------------------------------


def parse_args(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds",
        type=int,
        default=int(env("BENCH_SECONDS") or 2),
        help="wrk run length per page and load (BENCH_SECONDS, 2)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(env("BENCH_ROUNDS") or 3),
        help="interleaved rounds (BENCH_ROUNDS, 3)",
    )
    parser.add_argument(
        "--pages",
        default=env("BENCH_PAGES") or "",
        help="comma-separated substrings of page names (BENCH_PAGES); e.g. desk",
    )
    parser.add_argument(
        "--out",
        default=env("BENCH_OUT") or "bench-results",
        help="directory for latest.json and a timestamped copy (BENCH_OUT)",
    )
    parser.add_argument(
        "--accounts",
        default=env("BENCH_ACCOUNTS") or "",
        help=f"role=username,… (default {DEFAULT_ACCOUNTS})",
    )
    parser.add_argument(
        "--password",
        default=env("BENCH_PASSWORD") or "",
        help=f"the accounts' password (default {DEFAULT_PASSWORD})",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="seed_demo's accounts (office, staff, delegate, unit) and password",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--worker-timeout",
        type=int,
        default=30,
        help="gunicorn's worker timeout (its default, 30 s)",
    )
    parser.add_argument(
        "--ledger-timeout",
        type=float,
        default=float(env("BENCH_LEDGER_TIMEOUT") or 1800),
        help="seconds a ledger's export may take before it is reported as a timeout "
        "(BENCH_LEDGER_TIMEOUT, 1800: a province's suggestions take minutes)",
    )
    parser.add_argument(
        "--ledger-cluster",
        action="store_true",
        help="leave the exports to a `manage.py qcluster` running beside the server (as "
        "`make run` starts) instead of running the task in this process",
    )
    args = parser.parse_args(argv)
    accounts = args.accounts or (DEMO_ACCOUNTS if args.demo else DEFAULT_ACCOUNTS)
    args.account_map = dict(part.split("=", 1) for part in accounts.split(",") if "=" in part)
    args.password = args.password or (DEMO_PASSWORD if args.demo else DEFAULT_PASSWORD)
    return args


def log(message: str):
    print(message, file=sys.stderr, flush=True)


def machine() -> dict:
    info = {"cores": os.cpu_count(), "load_before": LOAD_BEFORE, "load_after": os.getloadavg()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        info["ram_mb"] = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1)) // 1024
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
        info["cpu_model"] = model.group(1).strip() if model else ""
    except (OSError, AttributeError):
        pass
    return info


def git_info() -> dict:
    def git(*args):
        done = subprocess.run(  # noqa: S603
            ["git", *args],  # noqa: S607 — git from PATH, as a developer runs it
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def database_info() -> dict:
    from django.apps import apps
    from django.db import connection

    settings_dict = connection.settings_dict
    info = {
        "vendor": connection.vendor,
        "name": str(settings_dict.get("NAME")),
        "host": settings_dict.get("HOST") or "",
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            info["version"] = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            info["version"] = "SQLite " + cursor.fetchone()[0]
    rows = {}
    for label in ("accounts", "stations", "delegates", "suggestions", "meetings", "dashboard"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.managed and not model._meta.proxy:
                rows[model._meta.label] = model._default_manager.order_by().count()
    info["rows"] = rows
    return info


def pending_migrations() -> list[str]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def configure() -> dict:
    """The settings this process and gunicorn share; then Django in this process."""
    env = {
        "DJANGO_SETTINGS_MODULE": "congress_portal.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        # Fixed, not random: the generated province is kept between runs and its residents'
        # data was encrypted with these (synthetic data; never production keys).
        "FIELD_ENCRYPTION_KEYS": os.environ.get("BENCH_FIELD_ENCRYPTION_KEYS")
        or "YmVuY2gtb25seS1maWVsZC1rZXktc3ludGhldGljISE=",
        "FIELD_HASH_KEY": os.environ.get("BENCH_FIELD_HASH_KEY") or "bench-only-hash-key",
        "BACKUP_ENCRYPTION_KEY": "YmVuY2gtb25seS1iYWNrdXAta2V5LXN5bnRoZXRpYyE=",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PORTAL_BENCH": "true",
        "PROXY_COUNT": "1",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return env


@dataclass
class Run:
    """Everything one benchmark run found."""

    pages: list[Page]
    missing: list[tuple[str, str]]
    ledgers: list[tuple[str, str]]
    results: dict = field(default_factory=dict)
    bare_rounds: list = field(default_factory=list)
    ledger_results: list = field(default_factory=list)
    workers_after_rounds: list = field(default_factory=list)
    workers_after_ledgers: list = field(default_factory=list)


def execute(run: Run, server: Server, found: Fixtures, args, files: dict) -> None:
    """Log in, check every page once, time the interleaved rounds, then the ledgers."""
    bare = Page(name="bare", path=BARE_PATH, target=1.0)
    accounts = {p.account for p in run.pages if p.account} | ({"office"} if run.ledgers else set())
    sessions = {}
    for role in sorted(accounts):
        if role not in found.users:
            raise SystemExit(f"bench: no {role} account given")
        sessions[role] = login(server, found.users[role], args.password)

    log("bench: checking every page once …")
    warm: set = set()  # accounts whose first page was requested in this process
    problem = check(server, bare, sessions, found.codes)["problem"]
    if problem:
        raise SystemExit(f"bench: the bare page fails ({problem}): is PORTAL_BENCH on?")
    for page in run.pages:
        timeouts = server.log_count("WORKER TIMEOUT")
        checked = check(server, page, sessions, found.codes)
        if checked["problem"]:
            time.sleep(0.5)  # the master logs the timeout as it kills the worker
            if server.log_count("WORKER TIMEOUT") > timeouts:
                checked["problem"] += f": gunicorn worker timeout ({args.worker_timeout} s)"
        entry = run.results[page.name] = {
            "name": page.name,
            "path": page.path,
            "account": page.account,
            "target": page.target,
            "check": checked,
            "html_bytes": checked["html_bytes"],
            "queries": None,
            "rounds": [],
            "bad": {},
            "problems": [checked["problem"]] if checked["problem"] else [],
        }
        if checked["problem"]:
            log(f"  {page.name}: FAILS — {checked['problem']}")
            continue
        entry["queries"] = count_queries(page, sessions, found.codes, warm=page.account not in warm)
        warm.add(page.account)
        log(
            f"  {page.name}: HTTP {checked['status']}, {checked['seconds'] * 1000:,.0f} ms, "
            f"{(checked['html_bytes'] or 0) / 1024:,.0f} KB, {entry['queries']} queries"
        )

    driver = Driver(server, sessions, files, args.workers)
    measurable = [p for p in run.pages if not run.results[p.name]["problems"]]
    driver.wrk(bare, connections=8, seconds=1)  # both workers warm
    driver.drain(bare, None)
    for number in range(1, args.rounds + 1):
        log(f"bench: round {number}/{args.rounds} …")
        # The machine is shared and its load moves: the bare page opens the round, returns
        # after every BARE_EVERY pages and closes it, and each page is divided by the bare
        # p50s measured just before and just after it.
        samples = [driver.measure(bare, args.seconds)]
        brackets = []
        for index, page in enumerate(measurable):
            if index and index % BARE_EVERY == 0:
                samples.append(driver.measure(bare, args.seconds, eight=False))
            how = plan(run.results[page.name]["check"]["seconds"], number, args.seconds)
            if how["mode"] == "single":
                sample = driver.single(page, found.codes)
            else:
                sample = driver.measure(page, how["seconds"], eight=how["eight"])
            run.results[page.name]["rounds"].append(sample)
            brackets.append((sample, len(samples) - 1))
        samples.append(driver.measure(bare, args.seconds, eight=False))
        for sample, before in brackets:
            around = [samples[before]["p50_ms"], samples[before + 1]["p50_ms"]]
            sample["bare_p50_ms"] = mean_of(around)
            sample["ratio"] = ratio(sample["p50_ms"], sample["bare_p50_ms"])
        run.bare_rounds.append(
            {
                "p50_ms": median(s["p50_ms"] for s in samples),
                "p99_ms": median(s["p99_ms"] for s in samples),
                "rps8": samples[0]["rps8"],
                "samples": samples,
            }
        )
    run.workers_after_rounds = server.workers()

    for name, path in run.ledgers:
        log(f"bench: {name} …")
        timeouts = server.log_count("WORKER TIMEOUT")
        entry = time_ledger(
            server, name, path, sessions["office"], args.ledger_timeout, args.ledger_cluster
        )
        time.sleep(0.5)  # the master logs the timeout as it kills the worker
        if server.log_count("WORKER TIMEOUT") > timeouts:
            killed = f"gunicorn worker timeout ({args.worker_timeout} s)"
            entry["error"] = killed + (f", {entry['error']}" if entry["error"] else "")
        run.ledger_results.append(entry)
    run.workers_after_ledgers = server.workers()


def summarise(run: Run) -> list[dict]:
    """The table's rows: medians over the rounds, the target, met or not and why."""
    table = []
    for page in run.pages:
        entry = run.results[page.name]
        rounds = entry["rounds"]
        for sample in rounds:
            add_counts(entry["bad"], sample["bad"])
        entry["p50_ms"] = median(s["p50_ms"] for s in rounds)
        entry["p99_ms"] = median(s["p99_ms"] for s in rounds)
        entry["rps8"] = median(s["rps8"] for s in rounds)
        entry["ratio"] = median(s.get("ratio") for s in rounds)
        problems, remarks = list(entry["problems"]), []
        if entry["p50_ms"] is None and rounds and entry["check"]["seconds"]:
            # Slower than wrk's longest run: the single check request is all there is.
            entry["p50_ms"] = entry["check"]["seconds"] * 1000
            entry["ratio"] = ratio(entry["p50_ms"], median(r["p50_ms"] for r in run.bare_rounds))
            remarks.append("timed by one request only")
        if entry["bad"]:
            problems.append("flagged: " + describe(entry["bad"]))
        if entry["html_bytes"] is not None and entry["html_bytes"] >= HTML_LIMIT:
            problems.append("HTML ≥ 300 KB")
        if any(s.get("mode") == "single" for s in rounds):
            remarks.append(f"slower than {SINGLE_S:g} s: one request a round")
        elif rounds and any(s["rps8"] is None for s in rounds):
            remarks.append("slow: 8 connections in the first round only")
        entry["met"] = page_met(
            ratio_=entry["ratio"],
            target=page.target,
            html_bytes=entry["html_bytes"],
            problems=problems,
        )
        entry["note"] = "; ".join(problems + remarks)
        table.append(entry)
    for name, why in run.missing:
        table.append(
            {
                "name": name,
                "target": TARGETS[group_of(name)],
                "met": False,
                "note": f"not measured: {why}",
                "problems": [why],
            }
        )
    for entry in run.ledger_results:
        entry["met"] = ledger_met(entry)
    return table


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.time()
    configure()
    from django.conf import settings
    from django.core.management import call_command

    pending = pending_migrations()
    if pending:
        raise SystemExit(f"bench: the database has unapplied migrations ({pending[0]} …)")
    call_command("collectstatic", interactive=False, verbosity=0)

    out = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")

    log("bench: looking up the database …")
    db = database_info()
    found = lookup(args.account_map)
    pages, missing = build_pages(found)
    chosen = set(select_pages([p.name for p in pages], args.pages))
    run = Run(
        pages=[p for p in pages if p.name in chosen],
        missing=[m for m in missing if select_pages([m[0]], args.pages)],
        ledgers=[(n, u) for n, u in ledger_urls() if select_pages([n], args.pages)],
    )
    rows = db["rows"]
    log(
        f"bench: {db['vendor']} {db['name']}: {data_size(rows)}; {len(run.pages)} pages, "
        f"{len(run.ledgers)} ledgers, {args.rounds} rounds × {args.seconds} s "
        f"(about {estimate(len(run.pages), args) / 60:.0f} min)"
    )

    files = {"codes": out / ".codes.txt"}
    files["codes"].write_text("\n".join(found.codes) + "\n")
    for page in run.pages:
        if page.form:
            files[page.name] = out / f".form-{page.name}.txt"
            files[page.name].write_text("".join(f"{k}={v}\n" for k, v in page.form.items()))

    server = Server(
        env=dict(os.environ),
        workers=args.workers,
        timeout=args.worker_timeout,
        log=out / f"gunicorn-{stamp}.log",
    )

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        log(f"bench: gunicorn on 127.0.0.1:{server.port} ({args.workers} sync workers) …")
        server.start()
        execute(run, server, found, args, files)
    except KeyboardInterrupt:
        log("bench: interrupted")
        return 130
    finally:
        server.stop()
        for path in files.values():
            path.unlink(missing_ok=True)

    table = summarise(run)
    bare = {
        "p50_ms": median(r["p50_ms"] for r in run.bare_rounds),
        "p99_ms": median(r["p99_ms"] for r in run.bare_rounds),
        "rps8": median(r["rps8"] for r in run.bare_rounds),
        "rounds": run.bare_rounds,
    }
    workers = run.workers_after_rounds + run.workers_after_ledgers
    rss_ok = all(w["rss_mb"] < RSS_LIMIT_MB for w in workers)
    timeouts = server.log_count("WORKER TIMEOUT")
    restarts = max(0, server.log_count("Booting worker") - args.workers)
    all_met = (
        all(row["met"] for row in table)
        and all(entry["met"] for entry in run.ledger_results)
        and rss_ok
        and timeouts == 0
    )
    worst_ratio, worst_page = worst(table)
    info = machine()
    report = {
        "started": datetime.datetime.fromtimestamp(started).isoformat(timespec="seconds"),
        "duration_s": round(time.time() - started, 1),
        "machine": info,
        "database": db,
        "fixtures": found.describe(),
        "git": git_info(),
        "settings": {
            "DEBUG": settings.DEBUG,
            "CONN_MAX_AGE": settings.DATABASES["default"].get("CONN_MAX_AGE"),
            "cache": settings.CACHES["default"]["BACKEND"],
            "SESSION_ENGINE": settings.SESSION_ENGINE,
            "SESSION_SAVE_EVERY_REQUEST": settings.SESSION_SAVE_EVERY_REQUEST,
            "PORTAL_OFFICE_OTP": settings.PORTAL_OFFICE_OTP,
            "SECURE_SSL_REDIRECT": getattr(settings, "SECURE_SSL_REDIRECT", False),
            "PROXY_COUNT": os.environ.get("PROXY_COUNT"),
            "requests": "X-Forwarded-Proto: https, a random X-Forwarded-For each",
            "gunicorn": " ".join(server.command[2:]),
            "wrk": "-t1 -c1 --latency (p50, p99); -t2 -c8 (req/s); scripts/bench/request.lua",
            "seconds": args.seconds,
            "rounds": args.rounds,
            "pages": args.pages,
            "accounts": args.account_map,
        },
        "bare": bare,
        "pages": table,
        "ledgers": run.ledger_results,
        "workers_after_rounds": run.workers_after_rounds,
        "workers_after_ledgers": run.workers_after_ledgers,
        "worker_timeouts": timeouts,
        "worker_restarts": restarts,
        "summary": {"worst_ratio": worst_ratio, "worst_page": worst_page, "targets_met": all_met},
    }
    text = json.dumps(report, indent=2, ensure_ascii=False, default=str)
    (out / "latest.json").write_text(text)
    (out / f"bench-{stamp}.json").write_text(text)

    git = report["git"]
    print(
        f"{db.get('version', db['vendor'])}: {data_size(rows)}; {info.get('cores')} cores, "
        f"{info.get('ram_mb', 0):,} MB RAM, {info.get('cpu_model', '?')}; git "
        f"{git['commit'][:10]}{' (dirty)' if git['dirty'] else ''}"
    )
    print(
        f"bare page: p50 {_num(bare['p50_ms'], 2)} ms, p99 {_num(bare['p99_ms'], 2)} ms, "
        f"{_num(bare['rps8'], 0)} req/s at 8; {args.rounds} rounds × {args.seconds} s; "
        f"load {info['load_before'][0]:.2f} → {info['load_after'][0]:.2f}"
    )
    busiest = max(info["load_before"][0], info["load_after"][0])
    if busiest > (info.get("cores") or 1) * 0.75:
        print(
            f"note: the machine was busy (load {busiest:.1f} on {info.get('cores')} cores): "
            "other work shares the cores, ratios are noisier than usual"
        )
    print()
    print(format_table(table))
    if run.ledger_results:
        print()
        for entry in run.ledger_results:
            print(describe_ledger(entry))
    print()
    for label, found_workers in (
        ("after the rounds", run.workers_after_rounds),
        ("after the ledgers", run.workers_after_ledgers),
    ):
        if found_workers:
            shown = ", ".join(f"pid {w['pid']} {w['rss_mb']:.0f} MB" for w in found_workers)
            print(f"worker RSS {label}: {shown} (target < {RSS_LIMIT_MB:.0f} MB)")
    if timeouts or restarts:
        print(f"gunicorn: {timeouts} worker timeouts, {restarts} workers restarted ({server.log})")
    print(f"JSON: {out / 'latest.json'}")
    print(last_line(worst_ratio, worst_page, all_met))
    return 0


def data_size(rows: dict) -> str:
    return (
        f"{rows.get('suggestions.Suggestion', 0):,} suggestions, "
        f"{rows.get('stations.Station', 0):,} stations, "
        f"{rows.get('delegates.Delegate', 0):,} delegates, "
        f"{rows.get('stations.Region', 0):,} areas"
    )


def describe_ledger(entry: dict) -> str:
    rows = "?" if entry.get("rows") is None else f"{entry['rows']:,}"
    task = entry.get("task") or {}
    memory = f", task peak RSS {task['peak_rss_mb']:,.0f} MB" if task.get("peak_rss_mb") else ""
    return (
        f"{entry['name']}: HTTP {entry['status']}, progress page in "
        f"{_num(entry['first_byte_s'], 2)} s (slowest poll {_num(entry.get('poll_max_s'), 2)} s), "
        f"file ready in {_num(entry.get('done_s'), 1)} s ({entry.get('worker', '?')}{memory}), "
        f"downloaded in {_num(entry['total_s'], 1)} s, {entry['bytes'] / 1024:,.0f} KB, "
        f"{rows} rows{', ' + entry['error'] if entry['error'] else ''}: "
        f"{'met' if entry['met'] else 'NOT met'} (progress page ≤ {LEDGER_FIRST_BYTE_S:g} s)"
    )


def group_of(name: str) -> str:
    """A page name's target group (TARGETS)."""
    if name == "form.post":
        return "post"
    if name.startswith("desk.detail"):
        return "detail"
    head = name.split(".", 1)[0]
    return {"reception": "log", "ledger": "ledgers"}.get(head, head)


class Driver:
    """wrk against the running server, each run followed by a drain."""

    def __init__(self, server: Server, sessions: dict, files: dict, workers: int):
        self.server, self.sessions, self.files, self.workers = server, sessions, files, workers

    def measure(self, page: Page, seconds: int, *, eight: bool = True) -> dict:
        """One page in one round: p50 and p99 at 1 connection, requests/s at 8."""
        one = self.wrk(page, connections=1, seconds=seconds)
        self.drain(page, one.p50_ms / 1000 if one.p50_ms else seconds)
        sample = {
            "p50_ms": one.p50_ms,
            "p99_ms": one.p99_ms,
            "rps8": None,
            "requests": [one.requests],
            "seconds": seconds,
            "bad": one.bad(page.expect),
        }
        if eight:
            loaded = self.wrk(page, connections=8, seconds=seconds)
            self.drain(page, self.workers / loaded.rps if loaded.rps else seconds)
            sample["rps8"] = loaded.rps
            sample["requests"].append(loaded.requests)
            add_counts(sample["bad"], {f"{k} at 8": n for k, n in loaded.bad(page.expect).items()})
        return sample

    def single(self, page: Page, codes: list[str]) -> dict:
        """One request, for a page too slow for wrk (plan)."""
        checked = check(self.server, page, self.sessions, codes)
        ms = checked["seconds"] * 1000
        bad = {} if checked["status"] in page.expect else {f"HTTP {checked['status']}": 1}
        return {
            "mode": "single",
            "p50_ms": ms,
            "p99_ms": ms,
            "rps8": None,
            "requests": [1],
            "seconds": checked["seconds"],
            "bad": bad,
        }

    def wrk(self, page: Page, *, connections: int, seconds: int) -> WrkResult:
        return run_wrk(
            self.server,
            page,
            connections=connections,
            seconds=seconds,
            sessions=self.sessions,
            codes_file=self.files["codes"],
            form_file=self.files.get(page.name),
        )

    def drain(self, page: Page, service_s: float | None):
        """Wait until the requests wrk left behind are served. wrk stops at its deadline and
        closes its connections, but the requests it had sent wait in the listen queue and the
        sync workers still serve each: without a drain they would slow the next page."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (listen_backlog(self.server.port) or 0) > 0:
            time.sleep(0.02)
        time.sleep(min(1.2 * (service_s or 0.0), 30.0) + 0.02)


def listen_backlog(port: int) -> int | None:
    """Connections waiting in the listen queue of 127.0.0.1:port (/proc/net/tcp: rx_queue of
    a LISTEN socket is its accept backlog)."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        local, state, queues = parts[1], parts[3], parts[4]
        if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
            return int(queues.split(":")[1], 16)
    return None


def mean_of(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def estimate(pages: int, args) -> float:
    """Seconds the run should take at least (slow pages take longer: duration_for)."""
    bare = 2 + pages // BARE_EVERY
    return args.rounds * (pages * (2 * args.seconds + 0.5) + bare * (args.seconds + 0.3)) + 30


if __name__ == "__main__":
    sys.exit(main())
