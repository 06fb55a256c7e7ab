from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import now
from congress_portal.trees import check_no_cycle


class Region(models.Model):
    """An administrative area: province → city → district → street/township →
    community/village.

    ``path`` lists the ids from the root down to the area itself ("/1/14/230/"), so that an
    area's descendants are one indexed prefix query at any depth, and the rollups can find
    every area a station belongs to without walking up the tree.
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        CITY = "city", _("city")
        DISTRICT = "district", _("district / county")
        STREET = "street", _("street")
        TOWNSHIP = "township", _("township / town")
        COMMUNITY = "community", _("community")
        VILLAGE = "village", _("village")

    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("administrative code"), max_length=12, blank=True)
    # db_index: on PostgreSQL Django adds a varchar_pattern_ops index beside the plain one, so
    # path__startswith is an index range scan whatever the database's collation.
    path = models.CharField(_("path"), max_length=200, editable=False, default="", db_index=True)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)

    ROOT_KINDS = (Kind.PROVINCE, Kind.CITY, Kind.DISTRICT)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent"),
            models.CheckConstraint(
                condition=Q(kind__in=["province", "city", "district"]) | Q(parent__isnull=False),
                name="region_only_upper_levels_are_roots",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Derived from the parent, like Suggestion.submitted_month: kept in step on every save,
        # and a move takes the whole subtree along.
        old_path = self.path
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {"update_fields": ["path", "depth"]}
        parent_path = self.parent.path if self.parent_id else "/"
        self.path = f"{parent_path}{self.pk}/"
        self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=models.functions.Concat(
                    models.Value(self.path),
                    models.functions.Substr("path", len(old_path) + 1),
                    output_field=models.CharField(),
                ),
                depth=models.F("depth") + (self.depth - (old_path.count("/") - 2)),
            )

    def clean(self):
        check_no_cycle(self)

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids from the root down to this area, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def is_grassroots(self):
        return self.kind in (self.Kind.COMMUNITY, self.Kind.VILLAGE)


class Station(models.Model):
    """A home, station, work station or contact point where delegates meet residents.

    Stations nest: a home (代表之家) at street/township level, stations and work stations under
    it, contact points (联络点) in villages.
    """

    class Kind(models.TextChoices):
        HOME = "home", _("delegates' home")
        LIAISON = "liaison", _("liaison station")
        WORK = "work", _("work station")
        CONTACT = "contact", _("contact point")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("area"), on_delete=models.PROTECT, related_name="stations"
    )
    address = models.CharField(_("address"), max_length=200)
    manager_name = models.CharField(_("manager"), max_length=50, blank=True)
    manager_title = models.CharField(_("manager's post"), max_length=60, blank=True)
    phone = models.CharField(_("public phone"), max_length=30, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    description = models.TextField(_("introduction"), max_length=2000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff accounts"),
        blank=True,
        related_name="staffed_stations",
        limit_choices_to={"role": "station_staff"},
    )
    created_at = models.DateTimeField(_("created"), default=now, editable=False)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="station_not_own_parent"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stations:detail", args=[self.pk])

    def clean(self):
        check_no_cycle(self)


class CalendarYear(models.Model):
    """A year whose official holiday schedule the office has entered by hand.

    The chinesecalendar package knows the State Council's schedules up to its release; for a
    later year, reception days and deadlines are provisional until the office records the
    published schedule here (its days in ``CalendarDay``) and marks the year official.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    is_official = models.BooleanField(_("official schedule entered"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """An override of one date: a statutory holiday, or a make-up working day (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"


class ReceptionRule(models.Model):
    """How a station's reception days recur, e.g. every month on the 10th, 顺延 on holidays."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("monthly on a day")
        WEEKLY = "weekly", _("weekly on a weekday")
        EXPLICIT = "explicit", _("explicit dates")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="rules"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    day_of_month = models.PositiveSmallIntegerField(_("day of month"), null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, null=True, blank=True
    )
    explicit_dates = models.JSONField(_("explicit dates"), default=list, blank=True)
    postpone_on_holiday = models.BooleanField(
        _("postpone to the next working day on holidays"), default=True
    )
    start_time = models.TimeField(_("starts at"), default="09:00")
    end_time = models.TimeField(_("ends at"), default="12:00")
    duty_delegates = models.PositiveSmallIntegerField(_("duty delegates per day"), default=2)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reception rule")
        verbose_name_plural = _("reception rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="monthly")
                | Q(day_of_month__isnull=False, day_of_month__gte=1, day_of_month__lte=31),
                name="rule_monthly_has_day",
            ),
            models.CheckConstraint(
                condition=~Q(kind="weekly")
                | Q(weekday__isnull=False, weekday__gte=0, weekday__lte=6),
                name="rule_weekly_has_weekday",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="rule_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.station}: {self.get_kind_display()}"


class ReceptionDay(models.Model):
    """One reception day (接待日) at a station, and after it, its log (接待记录)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")
        HELD = "held", _("held")

    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="reception_days",
    )
    rule = models.ForeignKey(
        ReceptionRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="days",
    )
    date = models.DateField(_("date"))
    # The date the rule gave, kept when staff move the day: generating the period again must
    # not bring back a day on the date it was moved from.
    rule_date = models.DateField(_("date given by the rule"), null=True, blank=True)
    start_time = models.TimeField(_("starts at"), default="09:00")
    end_time = models.TimeField(_("ends at"), default="12:00")
    theme = models.CharField(_("theme"), max_length=60, blank=True)
    announcement = models.TextField(_("announcement"), max_length=1000, blank=True)
    leader_name = models.CharField(_("leader in charge"), max_length=50, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # The log, filled in after the day.
    visitors = models.PositiveIntegerField(_("residents received"), null=True, blank=True)
    log_notes = models.TextField(_("notes"), max_length=4000, blank=True)
    logged_at = models.DateTimeField(_("logged at"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        ordering = ["date", "station"]
        constraints = [
            models.UniqueConstraint(fields=["station", "date"], name="reception_day_unique"),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""),
                name="reception_day_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="reception_day_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["date", "status"], name="reception_day_date_idx")]

    def __str__(self):
        return f"{self.station} {self.date:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("stations:detail", args=[self.station_id])


class DutyAssignment(models.Model):
    """A delegate on duty at a reception day; ``attended`` is filled in by the log."""

    reception_day = models.ForeignKey(
        ReceptionDay,
        verbose_name=_("reception day"),
        on_delete=models.CASCADE,
        related_name="duties",
    )
    delegate = models.ForeignKey(
        "delegates.Delegate",
        verbose_name=_("delegate"),
        on_delete=models.PROTECT,
        related_name="duties",
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        verbose_name = _("duty assignment")
        verbose_name_plural = _("duty assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["reception_day", "delegate"], name="duty_unique_delegate_per_day"
            ),
        ]

    def __str__(self):
        return f"{self.reception_day}: {self.delegate}"
