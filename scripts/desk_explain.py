"""EXPLAIN ANALYZE every query of the staff desk (each role, tab and filter; first page and a
page 50,000 rows deep) on the database in DATABASE_URL. A tool for proving the desk's indexes
(suggestions/migrations/0003_desk_indexes.py); not run by the tests.

    DATABASE_URL=postgres://…/db .venv/bin/python scripts/desk_explain.py [--plans] [--only WORD]
"""

import argparse
import datetime
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress_portal.settings.base")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", action="store_true", help="print every plan in full")
    parser.add_argument("--only", default="", help="only cases whose name contains this")
    parser.add_argument("--depth", type=int, default=50_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from congress_portal.clock import today
    from stations.models import Region
    from suggestions import desk
    from suggestions.filters import SuggestionFilter
    from suggestions.models import Channel, State, Suggestion
    from suggestions.selectors import suggestions_visible_to
    from suggestions.views import DeskListView

    User = get_user_model()
    users = {
        r: User.objects.get(username=u)
        for r, u in [
            ("office", "office"),
            ("staff", "staff"),
            ("delegate", "delegate"),
            ("unit", "unit"),
        ]
    }
    city = Region.objects.filter(kind="city").order_by("pk").first()
    station = (
        Suggestion.objects.order_by()
        .values("station_id")
        .annotate(n=django.db.models.Count("*"))
        .order_by("-n")
        .first()["station_id"]
    )
    days_ago = (today() - datetime.timedelta(days=90)).isoformat()
    filters = {
        "state": {"state": [State.REPLIED, State.CLOSED]},
        "state_rare": {"state": [State.UNIT_REPLIED, State.ACCEPTED]},
        "category": {"category": Suggestion.objects.values_list("category_id", flat=True).first()},
        "station": {"station": station},
        "area": {"region": city.pk},
        "unit": {
            "unit": Suggestion.objects.exclude(handling_unit=None)
            .values_list("handling_unit_id", flat=True)
            .first()
        },
        "delegate": {
            "delegate": Suggestion.objects.exclude(delegate=None)
            .values_list("delegate_id", flat=True)
            .first()
        },
        "channel": {"channel": Channel.RECEPTION_DAY},
        "dates": {"submitted_after": days_ago, "submitted_before": today().isoformat()},
        "overdue": {"overdue": "on"},
        "reopened": {"reopened": "on"},
    }
    cases = []
    for role, user in users.items():
        for tab in desk.tabs_for(user):
            cases.append((f"{role}.{tab.key}", role, {"tab": tab.key}))
            cases.append((f"{role}.{tab.key}.deep", role, {"tab": tab.key, "deep": 1}))
    for label, params in filters.items():
        cases.append((f"office.filter.{label}", "office", {"tab": "all", **params}))
        cases.append((f"office.filter.{label}.deep", "office", {"tab": "all", **params, "deep": 1}))
    for role in ("staff", "delegate", "unit"):
        cases.append(
            (
                f"{role}.filter.state_category",
                role,
                {
                    "tab": "all",
                    "state": [State.REPLIED, State.CLOSED],
                    "category": filters["category"]["category"],
                },
            )
        )

    factory = RequestFactory()
    slowest = []
    for name, role, params in cases:
        if args.only and args.only not in name:
            continue
        user = users[role]
        params = dict(params)
        if params.pop("deep", None):
            request = factory.get("/desk/", params)
            request.user = user
            fs = SuggestionFilter(
                request.GET, queryset=suggestions_visible_to(user), request=request
            )
            tab = next(t for t in desk.tabs_for(user) if t.key == params["tab"])
            params["after"] = desk.cursor_at_depth(fs.qs.filter(tab.condition), args.depth)
        request = factory.get("/desk/", params)
        request.user = user
        request.session = {}
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = DeskListView.as_view()(request)
            response.render()
            elapsed = (time.perf_counter() - started) * 1000
        total_sql = 0.0
        lines = []
        for query in captured.captured_queries:
            sql = query["sql"]
            if "suggestions_suggestion" not in sql:
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = [row[0] for row in cursor.fetchall()]
            ms = float(re.search(r"Execution Time: ([\d.]+)", plan[-1]).group(1))
            total_sql += ms
            nodes = [
                re.sub(r"\s+\(cost.*", "", p).strip("-> ").strip()
                for p in plan
                if "Scan" in p or "Sort " in p[:40] or "Sort  " in p
            ]
            kind = "count" if "COUNT(*)" in sql else "rows"
            lines.append(f"    {kind:5} {ms:7.2f} ms  {' / '.join(nodes)[:150]}")
            if args.plans:
                lines.append("      " + sql[:400])
                lines.extend("      " + p for p in plan)
        print(
            f"{name:40} view {elapsed:7.1f} ms  sql {total_sql:7.1f} ms  "
            f"queries {len(captured.captured_queries):2}  html {len(response.content) // 1024} KB"
        )
        print("\n".join(lines))
        slowest.append((total_sql, name))
    print("slowest:", sorted(slowest, reverse=True)[:8])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
