"""EXPLAIN ANALYZE the similar-suggestions look-up (suggestions.selectors.similar_suggestions)
for a few titles at the station with the most open public suggestions, on the database in
DATABASE_URL (generate_scale data). A tool for proving that the look-up reads the text index;
not run by the tests.

    DATABASE_URL=postgres://…/db .venv/bin/python scripts/similar_explain.py [TITLE …]
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress_portal.settings.base")


def main() -> int:
    import django

    django.setup()
    from django.db.models import Count

    from suggestions import selectors
    from suggestions.forms import chosen_station
    from suggestions.models import OPEN_STATES, Suggestion
    from suggestions.search import similar_condition, similar_tokens

    busiest = (
        Suggestion.objects.filter(state__in=OPEN_STATES, consent_disclosure=True)
        .values("station_id")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        print("no open public suggestion: run manage.py generate_scale first")
        return 1
    station = chosen_station(busiest["station_id"])
    ids = selectors.similar_station_ids(station)
    print(f"station {station.pk}: {busiest['n']} open public, {len(ids)} stations in its area")
    sample = (
        Suggestion.objects.filter(station_id=station.pk, state__in=sorted(OPEN_STATES))
        .values_list("title", flat=True)
        .first()
    )
    for title in sys.argv[1:] or [sample, "路灯不亮", "小区停车难", "垃圾"]:
        tokens = similar_tokens(title)
        rows = (
            Suggestion.objects.filter(
                similar_condition(tokens),
                consent_disclosure=True,
                station_id__in=ids,
                state__in=sorted(OPEN_STATES),
            )
            .only("pk", "title", "state", "category_id", "supporter_count", "submitted_at")
            .order_by("-submitted_at", "-pk")[: selectors.SIMILAR_CANDIDATES]
        )
        print(f"\n== {title} {tokens}")
        print(rows.explain(analyze=True))
        started = time.monotonic()
        found = selectors.similar_suggestions(title=title, station=station)
        print(f"similar_suggestions: {(time.monotonic() - started) * 1000:.1f} ms")
        for row in found:
            print("  ", row.title)
    return 0


if __name__ == "__main__":
    sys.exit(main())
