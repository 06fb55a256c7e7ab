"""Working days on the official Chinese calendar (weekends and statutory holidays off,
make-up working days 调休 on).

The chinesecalendar package carries the State Council's published schedules up to its
release; ``CalendarDay`` rows entered by the office override it, and cover later years. A
year the package does not know and the office has not marked official (``CalendarYear``) is
*provisional*: plain weekends are assumed, and pages say so.
"""

import datetime

import chinese_calendar
from chinese_calendar.constants import holidays as _PACKAGE_HOLIDAYS

from .models import CalendarDay, CalendarYear

PACKAGE_YEARS = frozenset(day.year for day in _PACKAGE_HOLIDAYS)


class WorkCalendar:
    """Answers working-day questions, reading the override table once per year asked about.

    Make one per request or per command run; it does not see overrides added after it read them.
    """

    def __init__(self):
        self._overrides: dict[int, dict[datetime.date, bool]] = {}
        self._official: set[int] | None = None

    def _year_overrides(self, year: int) -> dict[datetime.date, bool]:
        if year not in self._overrides:
            self._overrides[year] = dict(
                CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
            )
        return self._overrides[year]

    def load(self, *years: int) -> "WorkCalendar":
        """Read the overrides of ``years`` now: the calendar keeps them as they are, so a
        service can compare the schedule before and after it changes it."""
        for year in years:
            self._year_overrides(year)
        return self

    def is_provisional(self, year: int) -> bool:
        """True when neither the package nor the office knows this year's official schedule."""
        if year in PACKAGE_YEARS:
            return False
        if self._official is None:
            self._official = set(
                CalendarYear.objects.filter(is_official=True).values_list("year", flat=True)
            )
        return year not in self._official

    def is_workday(self, day: datetime.date) -> bool:
        override = self._year_overrides(day.year).get(day)
        if override is not None:
            return override
        if day.year in PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def next_workday(self, day: datetime.date) -> datetime.date:
        """``day`` itself when it is a working day, else the next one (顺延)."""
        for _ in range(60):
            if self.is_workday(day):
                return day
            day += datetime.timedelta(days=1)
        raise ValueError("no working day within 60 days: check the calendar overrides")

    def add_workdays(self, start: datetime.date, count: int) -> datetime.date:
        """The date ``count`` working days after ``start`` (``start`` itself not counted)."""
        day = start
        remaining = count
        while remaining > 0:
            day += datetime.timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day
