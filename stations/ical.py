"""iCalendar feeds of reception days (the icalendar package builds and escapes the text)."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils.translation import gettext, pgettext
from icalendar import Calendar, Event

from congress_portal.clock import now
from congress_portal.public_urls import public_host, public_url

from .models import ReceptionDay

_STATUS = {
    ReceptionDay.Status.SCHEDULED: "CONFIRMED",
    ReceptionDay.Status.HELD: "CONFIRMED",
    ReceptionDay.Status.CANCELLED: "CANCELLED",
}


def _summary(day: ReceptionDay) -> str:
    if day.theme:
        return gettext("Reception day at %(station)s: %(theme)s") % {
            "station": day.station.name,
            "theme": day.theme,
        }
    return gettext("Reception day at %(station)s") % {"station": day.station.name}


def _description(day: ReceptionDay) -> str:
    lines = []
    if day.status == ReceptionDay.Status.CANCELLED:
        lines.append(gettext("Cancelled. Reason: %(reason)s") % {"reason": day.cancel_reason})
    if day.theme:
        lines.append(gettext("Theme: %(theme)s") % {"theme": day.theme})
    names = [duty.delegate.name for duty in day.duties.all()]
    if names and day.status != ReceptionDay.Status.CANCELLED:
        lines.append(
            gettext("Delegates on duty: %(names)s")
            % {"names": pgettext("list separator", ", ").join(names)}
        )
    if day.leader_name:
        lines.append(gettext("Leader in charge: %(leader)s") % {"leader": day.leader_name})
    if day.announcement:
        lines.append(day.announcement)
    return "\n".join(lines)


def reception_calendar(days, *, name: str, request=None) -> bytes:
    """An iCalendar document with one event per reception day; cancelled days stay in it with
    STATUS:CANCELLED so that subscribed calendars drop or strike them."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Delegate Liaison Station Portal//Reception days//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = now().astimezone(datetime.UTC)
    host = public_host(request) or "portal"
    for day in days:
        event = Event()
        event.add("uid", f"reception-day-{day.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.datetime.combine(day.date, day.start_time, tzinfo=zone))
        event.add("dtend", datetime.datetime.combine(day.date, day.end_time, tzinfo=zone))
        event.add("summary", _summary(day))
        event.add("location", f"{day.station.name}, {day.station.address}")
        event.add("description", _description(day))
        event.add("status", _STATUS[day.status])
        event.add("sequence", day.version)
        event.add("url", public_url(day.station.get_absolute_url(), request=request))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
