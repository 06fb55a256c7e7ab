"""Periods of the dashboard: whole months, because the rollups are kept per month."""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import today

PERIOD_CHOICES = [
    ("month", _("This month")),
    ("quarter", _("This quarter")),
    ("half", _("This half year")),
    ("year", _("This year")),
    ("custom", _("Chosen months")),
]
DEFAULT_PERIOD = "year"
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
MAX_MONTHS = 120


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    month = first
    while month <= last and len(months) <= MAX_MONTHS:
        months.append(month)
        month = add_months(month, 1)
    return months


def parse_month(value: str) -> datetime.date | None:
    """``2026-03`` → 1 March 2026, or None for anything else."""
    match = _MONTH.match((value or "").strip()[:10])
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return datetime.date(year, month, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    first_month: datetime.date
    last_month: datetime.date

    @property
    def start(self) -> datetime.date:
        return self.first_month

    @property
    def end(self) -> datetime.date:
        """The last day of the period."""
        return add_months(self.last_month, 1) - datetime.timedelta(days=1)

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.first_month, self.last_month)

    @property
    def label(self) -> str:
        if self.first_month == self.last_month:
            return gettext("%(year)d-%(month)02d") % {
                "year": self.first_month.year,
                "month": self.first_month.month,
            }
        return gettext("%(start)s to %(end)s") % {
            "start": f"{self.first_month:%Y-%m}",
            "end": f"{self.last_month:%Y-%m}",
        }


def period_for(kind: str, start: str = "", end: str = "") -> tuple[Period, str]:
    """The period asked for, and a translated error when the months given were not usable
    (the default period is used then)."""
    this_month = today().replace(day=1)
    if kind == "month":
        return Period(kind, this_month, this_month), ""
    if kind == "quarter":
        first = this_month.replace(month=(this_month.month - 1) // 3 * 3 + 1)
        return Period(kind, first, add_months(first, 2)), ""
    if kind == "half":
        first = this_month.replace(month=1 if this_month.month <= 6 else 7)
        return Period(kind, first, add_months(first, 5)), ""
    if kind == "custom":
        first, last = parse_month(start), parse_month(end)
        if first and last and first <= last and len(months_between(first, last)) <= MAX_MONTHS:
            return Period(kind, first, last), ""
        error = gettext(
            "Give the first and last month as year-month, e.g. 2026-01 and 2026-06, "
            "the first not after the last and at most ten years apart."
        )
        return _year(this_month), error
    return _year(this_month), ""


def _year(this_month: datetime.date) -> Period:
    first = this_month.replace(month=1)
    return Period("year", first, add_months(first, 11))
