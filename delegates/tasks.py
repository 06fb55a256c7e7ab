"""Background jobs of the delegates app, run by the django-q2 cluster (``manage.py qcluster``).
Each is idempotent: running one twice writes the same figures."""

from congress_portal.clock import today

from . import performance


def refresh_performance(delegate_ids: list[int], year: int) -> int:
    """Recompute and keep these delegates' files of ``year`` (after a change of many)."""
    return performance.performance_refresh(delegate_ids, year)


def refresh_performance_year(year: int | None = None) -> int:
    """Recompute every serving delegate's file of ``year`` (the current one by default)."""
    return performance.performance_refresh_year(year or today().year)


def refresh_performance_missing(year: int) -> int:
    """Compute the files of ``year`` that no row keeps yet (the list found some missing)."""
    return performance.performance_refresh_missing(year)


def refresh_performance_daily() -> int:
    """Daily (scheduled by migration 0006): a status moves with the calendar — a count that
    kept pace yesterday may be behind today, a month without a station visit becomes missing
    once it is over. In the first week of January the year just ended gets its final statuses
    too (its December is over now)."""
    on = today()
    written = performance.performance_refresh_year(on.year)
    if on.month == 1 and on.day <= 7:
        written += performance.performance_refresh_year(on.year - 1)
    return written
