"""Exact figures of the loop, kept in step with it (``dashboard.rollups``).

A dashboard page sums a few hundred rollup rows instead of aggregating the suggestions table
(PERFORMANCE.md: a whole-table GROUP BY over a million rows can never be fast), at the grain
the page needs:

- ``SuggestionRollup``: month × station × category × channel × unit. Fine enough for any
  breakdown of a few stations or of one unit (a station's page, a station's staff, a delegate,
  a unit), but about as many rows as suggestions over a province.
- ``AreaRollup``: month × area, one dimension at a time (all, category, channel, unit), for every
  area above the grassroots (province, city, district, street, township). A province's year is
  a few hundred rows per dimension, whatever the number of suggestions.

``SuggestionFigures`` holds what each suggestion currently contributes, so that a suggestion
moved to another handling unit takes all of its figures along.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from suggestions.models import State

# The counters every suggestion contributes to (also the columns of both models below).
COUNTERS = (
    "received",
    "reopened",
    "replies",
    "reply_days",
    "unit_replies",
    "unit_on_time",
    "unit_days",
    "rated_satisfied",
    "rated_basic",
    "rated_unsatisfied",
    "supports",
)
# One gauge per state: how many of the row's suggestions are in that state now.
GAUGES = {state: f"now_{state}" for state in State.values}
# And how many are with a unit past their deadline, as of the last event or the hourly refresh
# (``dashboard.rollups.refresh_overdue``): "overdue" moves with the calendar, not only with
# the loop's steps.
OVERDUE = "now_overdue"


def _counter(label):
    return models.BigIntegerField(label, default=0)


class FigureColumns(models.Model):
    """The counters shared by a rollup row and a suggestion's contribution."""

    received = _counter(_("received"))
    reopened = _counter(_("reopened at least once"))
    replies = _counter(_("replies to the resident"))
    reply_days = _counter(_("days from submission to reply, summed"))
    unit_replies = _counter(_("unit replies"))
    unit_on_time = _counter(_("unit replies on time"))
    unit_days = _counter(_("days from dispatch to unit reply, summed"))
    rated_satisfied = _counter(_("rated satisfied"))
    rated_basic = _counter(_("rated basically satisfied"))
    rated_unsatisfied = _counter(_("rated unsatisfied"))
    # 附议: the suggestions' supporter counts (a merge moves a duplicate's to its survivor).
    supports = models.BigIntegerField(_("supports"), default=0, db_default=0)

    class Meta:
        abstract = True


class RollupColumns(FigureColumns):
    """The counters, plus one gauge per state: how many of the row's suggestions are in it now."""

    now_submitted = _counter(_("awaiting a delegate now"))
    now_accepted = _counter(_("taken now"))
    now_dispatched = _counter(_("dispatched now"))
    now_in_progress = _counter(_("in progress now"))
    now_unit_replied = _counter(_("reply under review now"))
    now_replied = _counter(_("replied now"))
    now_closed = _counter(_("closed now"))
    now_merged = _counter(_("merged now"))
    now_overdue = _counter(_("overdue now"))

    class Meta:
        abstract = True


class SuggestionRollup(RollupColumns):
    """The figures of all suggestions submitted in one month at one station, in one category,
    through one channel, now with one handling unit (or none)."""

    month = models.DateField(_("month submitted"))
    station = models.ForeignKey(
        "stations.Station", verbose_name=_("station"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        "suggestions.Category",
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=15)
    unit = models.ForeignKey(
        "suggestions.HandlingUnit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # 0 for "no unit": NULLs are distinct in a unique constraint on both databases, and the
    # upsert relies on the constraint to find a concurrent insert of the same key.
    unit_key = models.BigIntegerField(_("handling unit key"), default=0)

    class Meta:
        verbose_name = _("suggestion rollup")
        verbose_name_plural = _("suggestion rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "station", "category", "channel", "unit_key"],
                name="rollup_unique_key",
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=True, unit_key=0) | Q(unit_key=models.F("unit")),
                name="rollup_unit_key_matches",
            ),
        ]
        indexes = [
            models.Index(fields=["station", "month"], name="rollup_station_month_idx"),
            models.Index(fields=["unit_key", "month"], name="rollup_unit_month_idx"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.station_id}/{self.category_id}/{self.channel}"


class AreaRollup(RollupColumns):
    """The figures of all suggestions submitted in one month at the stations of one area (and
    of the areas below it), split by one dimension: ``all`` (one row, key ""), ``category``
    (key: the category's id), ``channel`` (key: the channel) or ``unit`` (key: the handling
    unit's id; suggestions with no unit have no row).

    A province has thousands of units: ``unit_year`` holds the unit rows of a whole calendar
    year (``month`` its first day), so that a year's table reads one row per unit, not twelve.
    """

    class Dimension(models.TextChoices):
        ALL = "all", _("all suggestions")
        CATEGORY = "category", _("category")
        CHANNEL = "channel", _("channel")
        UNIT = "unit", _("handling unit")
        UNIT_YEAR = "unit_year", _("handling unit, whole year")

    area = models.ForeignKey(
        "stations.Region", verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month submitted"))
    dimension = models.CharField(_("dimension"), max_length=10, choices=Dimension.choices)
    key = models.CharField(_("key"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("area rollup")
        verbose_name_plural = _("area rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["area", "dimension", "month", "key"], name="area_rollup_unique_key"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} area {self.area_id} {self.dimension}={self.key}"


class SuggestionFigures(FigureColumns):
    """What one suggestion contributes to the rollups now, and under which unit and state."""

    suggestion = models.OneToOneField(
        "suggestions.Suggestion",
        verbose_name=_("suggestion"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit_key = models.BigIntegerField(_("handling unit key"), default=0)
    state = models.CharField(_("status"), max_length=15)
    overdue = models.BooleanField(_("counted as overdue"), default=False)

    class Meta:
        verbose_name = _("suggestion's figures")
        verbose_name_plural = _("suggestions' figures")

    def __str__(self):
        return f"{self.suggestion_id} {self.state}"


class NodeKind(models.TextChoices):
    """What a row of the small rollups below is about."""

    STATION = "station", _("station")
    AREA = "area", _("area")
    UNIT = "unit", _("handling unit")


class ReceptionRollup(models.Model):
    """Reception days held and residents received in one month at one station, or at the
    stations of one area above the grassroots (kept by ``dashboard.rollups.on_reception_log``)."""

    kind = models.CharField(_("of"), max_length=10, choices=NodeKind.choices)
    node = models.BigIntegerField(_("station or area"))
    month = models.DateField(_("month"))
    days_held = _counter(_("reception days held"))
    visitors = _counter(_("residents received"))

    class Meta:
        verbose_name = _("reception rollup")
        verbose_name_plural = _("reception rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "node", "month"], name="reception_rollup_unique_key"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.kind} {self.node}"


class BallotRollup(models.Model):
    """Secret-ballot votes (phones and paper) on the suggestions of one station, area or unit,
    at the rating meetings of one month, counted when each session closes
    (``dashboard.rollups.on_ballot_close``): results are never visible before."""

    kind = models.CharField(_("of"), max_length=10, choices=NodeKind.choices)
    node = models.BigIntegerField(_("station, area or unit"))
    month = models.DateField(_("month of the meeting"))
    satisfied = _counter(_("satisfied"))
    basic = _counter(_("basically satisfied"))
    unsatisfied = _counter(_("unsatisfied"))

    class Meta:
        verbose_name = _("ballot rollup")
        verbose_name_plural = _("ballot rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "node", "month"], name="ballot_rollup_unique_key"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.kind} {self.node}"


class LedgerExport(models.Model):
    """One Excel ledger asked for on /ledgers/, built by a background task (``dashboard.tasks``).

    The file lives under MEDIA_ROOT in a folder no URL serves; only its requester downloads it,
    and only while their scope is the one it was built for (``scope``). Pruned after a day.
    """

    class Kind(models.TextChoices):
        SUGGESTIONS = "suggestions", _("Suggestion handling ledger")
        RECEPTIONS = "receptions", _("Reception register")
        ACTIVITIES = "activities", _("Delegate activity ledger")
        PERFORMANCE = "performance", _("Delegate performance summary")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    uuid = models.UUIDField(_("number"), primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="ledger_exports",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("ledger"), max_length=16, choices=Kind.choices)
    # The filters as [name, value] pairs in the order they were sent: a list keeps its order
    # in PostgreSQL's jsonb, where an object's keys would be re-sorted.
    params = models.JSONField(_("filters"), default=list, blank=True)
    filters = models.CharField(_("filters applied"), max_length=1000, blank=True)
    # A digest of what the requester could see when asking (role, stations, units, phone
    # rights): a file is not handed to them once that has changed.
    scope = models.CharField(_("scope"), max_length=64)
    requested_from = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    file = models.CharField(_("file"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # Moved on every progress write: a running export that stops moving lost its worker.
    updated_at = models.DateTimeField(_("last progress"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ledger export")
        verbose_name_plural = _("ledger exports")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="ledger_export_user_idx"),
            models.Index(fields=["created_at"], name="ledger_export_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="ledger_export_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.uuid}"

    def get_absolute_url(self):
        return reverse("dashboard:ledger_export", args=[self.uuid])

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int | None:
        if not self.rows_total:
            return None
        return min(100, self.rows_done * 100 // self.rows_total)
