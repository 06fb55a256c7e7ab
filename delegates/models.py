from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import now
from congress_portal.crypto import EncryptedTextField


class Level(models.TextChoices):
    """The level of a people's congress (层级)."""

    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    CITY = "city", _("city")
    COUNTY = "county", _("county / district")
    TOWNSHIP = "township", _("township / town")


class Term(models.Model):
    """A term (届) of the congress at one level, e.g. the 6th district congress."""

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    number = models.PositiveSmallIntegerField(_("term number"))
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["level", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["level", "number"], name="term_unique_per_level"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="term_ends_after_start",
            ),
        ]

    def __str__(self):
        return gettext("%(level)s congress, term %(number)s") % {
            "level": self.get_level_display(),
            "number": self.number,
        }


class Constituency(models.Model):
    """An electoral district (选区); its delegates report back to it."""

    name = models.CharField(_("name"), max_length=80)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        "stations.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="constituencies",
    )

    class Meta:
        verbose_name = _("constituency")
        verbose_name_plural = _("constituencies")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["level", "name"], name="constituency_unique_name"),
        ]

    def __str__(self):
        return self.name


class DelegateGroup(models.Model):
    """A delegate group (代表小组): by electoral unit, or by expertise (专业代表小组)."""

    class Kind(models.TextChoices):
        ELECTORAL = "electoral", _("electoral-unit group")
        PROFESSIONAL = "professional", _("professional group")

    name = models.CharField(_("name"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("meets at"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delegate_groups",
    )
    leader = models.ForeignKey(
        "Delegate",
        verbose_name=_("group leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("delegate group")
        verbose_name_plural = _("delegate groups")
        ordering = ["kind", "name"]

    def __str__(self):
        return self.name


class Delegate(models.Model):
    """A people's-congress delegate (人大代表). Levels come from their mandates."""

    class Gender(models.TextChoices):
        MALE = "m", _("male")
        FEMALE = "f", _("female")

    name = models.CharField(_("name"), max_length=40, db_index=True)
    # Filled on save with pypinyin (lower case, no spaces: "zhangjianhua", "zjh") so that the
    # search is an indexed prefix match: db_index gives PostgreSQL a varchar_pattern_ops index
    # beside the plain one, and migration 0005 gives SQLite a NOCASE one for its LIKE.
    name_pinyin = models.CharField(_("name in pinyin"), max_length=160, blank=True, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=40, blank=True, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    occupation = models.CharField(_("occupation and post"), max_length=120, blank=True)
    photo = models.ImageField(_("photo"), upload_to="delegates/", blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    consent_public_contact = models.BooleanField(
        _("consents to publishing contact details"), default=False
    )
    bio = models.TextField(_("profile"), max_length=2000, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delegate",
        limit_choices_to={"role": "delegate"},
    )
    groups = models.ManyToManyField(
        DelegateGroup, verbose_name=_("groups"), blank=True, related_name="members"
    )
    stations = models.ManyToManyField(
        "stations.Station",
        verbose_name=_("stationed at"),
        through="StationMembership",
        blank=True,
        related_name="delegates",
    )
    is_active = models.BooleanField(_("serving"), default=True)
    created_at = models.DateTimeField(_("created"), default=now, editable=False)

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["name_pinyin", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The search columns are never left empty, whoever saves (the admin, generators,
        # fixtures): a delegate without them could not be found. delegate_save recomputes
        # them on every edit of the name; here only what is missing is filled.
        if self.name and not (self.name_pinyin and self.name_initials):
            from .services import delegate_set_search_names

            pinyin = self.name_pinyin
            delegate_set_search_names(delegate=self)
            self.name_pinyin = pinyin or self.name_pinyin
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("delegates:detail", args=[self.pk])

    @property
    def public_phone(self):
        """The phone shown to the public: only with the delegate's consent."""
        return self.phone if self.consent_public_contact else ""


class Mandate(models.Model):
    """A delegate's seat at one level in one term: a person can hold a city and a district seat."""

    delegate = models.ForeignKey(
        Delegate, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="mandates"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="mandates"
    )
    constituency = models.ForeignKey(
        Constituency,
        verbose_name=_("constituency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mandates",
    )

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["level"]
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "level", "term"], name="mandate_unique_per_term"
            ),
        ]

    def __str__(self):
        return f"{self.delegate} · {self.get_level_display()}"

    def clean(self):
        # A CHECK cannot reach the term's row: the level must be the term's own.
        if self.term_id and self.level and self.term.level != self.level:
            raise ValidationError(
                {"term": gettext("This term belongs to another level of congress.")}
            )


class StationMembership(models.Model):
    """A delegate stationed at a station (驻站代表)."""

    class Role(models.TextChoices):
        STATIONED = "stationed", _("stationed delegate")
        HEAD = "head", _("person in charge")

    delegate = models.ForeignKey(
        Delegate, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="memberships"
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.STATIONED)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        verbose_name = _("station membership")
        verbose_name_plural = _("station memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "station"], name="membership_unique_delegate_station"
            ),
        ]

    def __str__(self):
        return f"{self.delegate} @ {self.station}"


class Activity(models.Model):
    """A delegate's activity (履职活动); a group activity counts for every participant."""

    class Kind(models.TextChoices):
        RECEPTION = "reception", _("station reception")
        VISIT = "visit", _("visiting voters")
        CONSTITUENCY = "constituency", _("back to the constituency")
        INSPECTION = "inspection", _("inspection")
        RESEARCH = "research", _("research")
        DELIBERATION = "deliberation", _("deliberation or consultation meeting")
        TRAINING = "training", _("training")
        REPORT = "report", _("report to voters")
        PAIRING = "pairing", _("paired assistance")
        INVESTMENT = "investment", _("project attraction")
        OTHER = "other", _("other")

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    date = models.DateField(_("date"), db_index=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    participants = models.ManyToManyField(
        Delegate, verbose_name=_("participating delegates"), related_name="activities"
    )
    residents_contacted = models.PositiveIntegerField(_("residents contacted"), default=0)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=now, editable=False)
    # A per-form key: the same form posted twice records once (SECURITY.md 22).
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=models.Q(submission_key__isnull=False),
                name="activity_unique_submission_key",
            )
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"


class DiaryEntry(models.Model):
    """A delegate's field note (民情日记); it can become a suggestion in the loop."""

    delegate = models.ForeignKey(
        Delegate, verbose_name=_("delegate"), on_delete=models.CASCADE, related_name="diary"
    )
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120, blank=True)
    text = models.TextField(_("what I heard"), max_length=4000)
    created_at = models.DateTimeField(_("recorded"), default=now, editable=False)
    # A per-form key: the same form posted twice records once (SECURITY.md 22).
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("field diary entry")
        verbose_name_plural = _("field diary entries")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=models.Q(submission_key__isnull=False),
                name="diary_unique_submission_key",
            )
        ]

    def __str__(self):
        return f"{self.delegate} {self.date:%Y-%m-%d}"


class YearlyTarget(models.Model):
    """A yearly target of the performance file, per year and optionally per level."""

    class Metric(models.TextChoices):
        FIXED_CONTACTS = "fixed_contacts", _("residents in fixed contact")
        VISITS = "visits", _("visits to voters")
        PROBLEMS_SOLVED = "problems_solved", _("problems solved")
        ISSUES_REFLECTED = "issues_reflected", _("issues reflected")
        SUGGESTIONS = "suggestions", _("suggestions made")
        CONSTITUENCY_RETURNS = "constituency_returns", _("returns to the constituency")
        REPORTS = "reports", _("reports to voters")
        STATION_MONTHS = "station_months", _("months with a station visit")
        CONSTITUENCY_QUARTERS = "constituency_quarters", _("quarters back in the constituency")
        GROUP_RESEARCH_REPORTS = "group_research_reports", _("research reports per group")

    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    metric = models.CharField(_("target"), max_length=25, choices=Metric.choices)
    value = models.PositiveSmallIntegerField(_("at least"))

    class Meta:
        verbose_name = _("yearly target")
        verbose_name_plural = _("yearly targets")
        ordering = ["-year", "level", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "level", "metric"], name="target_unique_per_year_level"
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_metric_display()} ≥ {self.value}"


class FixedContact(models.Model):
    """A resident a delegate keeps in fixed contact with (固定联系选民), seed 002: ≥5 a year.

    Only a name and a community: no phone is kept here, the delegate has it already. The name
    is encrypted at rest (congress_portal/crypto.py), so lists order by date, not by name.
    """

    delegate = models.ForeignKey(
        Delegate,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="fixed_contacts",
    )
    name = EncryptedTextField(_("resident"), max_length=40)
    place = models.CharField(_("community or village"), max_length=80, blank=True)
    since = models.DateField(_("in contact since"))
    until = models.DateField(_("contact ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=now, editable=False)

    class Meta:
        verbose_name = _("fixed contact")
        verbose_name_plural = _("fixed contacts")
        ordering = ["-since", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="fixed_contact_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.delegate} · {self.name}"


class AnnualReport(models.Model):
    """A delegate's annual report to voters (述职) and the voters' rating (述职评议).

    The rating is entered as totals from a paper vote. Satisfaction, as everywhere in the
    portal, is (satisfied + basically satisfied) / all ratings.
    """

    delegate = models.ForeignKey(
        Delegate,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("year reported on"))
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=120)
    summary = models.TextField(_("summary"), max_length=4000)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically_satisfied = models.PositiveIntegerField(_("basically satisfied"), default=0)
    unsatisfied = models.PositiveIntegerField(_("unsatisfied"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), default=now, editable=False)

    class Meta:
        verbose_name = _("annual report to voters")
        verbose_name_plural = _("annual reports to voters")
        ordering = ["-year", "delegate"]
        constraints = [
            models.UniqueConstraint(fields=["delegate", "year"], name="annual_report_one_per_year"),
        ]

    def __str__(self):
        return f"{self.delegate} {self.year}"

    @property
    def votes(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    @property
    def satisfaction(self) -> float | None:
        """(satisfied + basically satisfied) / all votes, or None without votes."""
        if not self.votes:
            return None
        return (self.satisfied + self.basically_satisfied) / self.votes

    @property
    def satisfaction_percent(self) -> str:
        """The satisfaction as a percentage with one decimal ("96.7%"), or "" without votes."""
        rate = self.satisfaction
        return "" if rate is None else f"{rate * 100:.1f}%".replace(".0%", "%")

    def clean(self):
        if self.date and self.year and self.date.year not in (self.year, self.year + 1):
            # A report on a year is given during it or early the next year.
            raise ValidationError(
                {"date": gettext("The report must be given in the year reported on or the next.")}
            )


class PerformanceFigures(models.Model):
    """One delegate's performance file for one year, computed and kept (``delegates.performance
    .performance_refresh``), so that the office's list filters, sorts and pages over
    20,000 delegates in SQL instead of computing every file per request. The single file page
    stays live; this table is what the list and its export read.

    One count column per target of ``DELEGATE_METRICS`` (named after the metric), the number of
    targets met and whether any is behind; ``detail`` keeps what only the page shows: each
    target's value and status, the months or quarters missing (as numbers, named when shown)
    and the delegate's levels. ``name_pinyin`` is the delegate's, copied so that sorting by a
    count then by name runs along one index."""

    delegate = models.ForeignKey(
        Delegate,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="performance_figures",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    name_pinyin = models.CharField(_("name in pinyin"), max_length=160, blank=True)
    fixed_contacts = models.PositiveIntegerField(_("residents in fixed contact"), default=0)
    visits = models.PositiveIntegerField(_("visits to voters"), default=0)
    problems_solved = models.PositiveIntegerField(_("problems solved"), default=0)
    issues_reflected = models.PositiveIntegerField(_("issues reflected"), default=0)
    suggestions = models.PositiveIntegerField(_("suggestions made"), default=0)
    constituency_returns = models.PositiveIntegerField(_("returns to the constituency"), default=0)
    station_months = models.PositiveSmallIntegerField(_("months with a station visit"), default=0)
    constituency_quarters = models.PositiveSmallIntegerField(
        _("quarters back in the constituency"), default=0
    )
    reports = models.PositiveSmallIntegerField(_("reports to voters"), default=0)
    met_count = models.PositiveSmallIntegerField(_("targets met"), default=0)
    behind = models.BooleanField(_("behind target"), default=False)
    detail = models.JSONField(_("details"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed"), default=now)

    class Meta:
        verbose_name = _("performance figures")
        verbose_name_plural = _("performance figures")
        constraints = [
            models.UniqueConstraint(
                fields=["delegate", "year"], name="performance_figures_one_per_year"
            ),
        ]
        # The list's sorts, each with the name as the tie-break, and the behind filter.
        indexes = [
            models.Index(fields=["year", "name_pinyin"], name="perf_year_name_idx"),
            # The list's tally (how many, how many behind, as of when) from the index alone.
            models.Index(
                fields=["year", "delegate"],
                include=["behind", "computed_at"],
                name="perf_year_tally_idx",
            ),
            models.Index(
                fields=["year", "-behind", "met_count", "name_pinyin"], name="perf_year_behind_idx"
            ),
            models.Index(fields=["year", "-met_count", "name_pinyin"], name="perf_year_met_idx"),
            *(
                models.Index(fields=["year", metric, "name_pinyin"], name=f"perf_year_{short}_idx")
                for metric, short in [
                    ("fixed_contacts", "contacts"),
                    ("visits", "visits"),
                    ("problems_solved", "solved"),
                    ("issues_reflected", "reflected"),
                    ("suggestions", "suggestions"),
                    ("constituency_returns", "returns"),
                    ("station_months", "months"),
                    ("constituency_quarters", "quarters"),
                    ("reports", "reports"),
                ]
            ),
        ]

    def __str__(self):
        return f"{self.delegate} {self.year}"


class ActivityInvitation(models.Model):
    """A delegate named as taking part in another delegate's activity. The activity counts for
    them only once they confirm it (a delegate cannot write into another's performance file);
    the office records participants directly."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("declined")

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="invitations"
    )
    delegate = models.ForeignKey(
        Delegate,
        verbose_name=_("delegate"),
        on_delete=models.CASCADE,
        related_name="activity_invitations",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("invited"), default=now, editable=False)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity invitation")
        verbose_name_plural = _("activity invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "delegate"], name="activity_invitation_once"
            ),
        ]
        indexes = [models.Index(fields=["delegate", "status"], name="invitation_delegate_status")]

    def __str__(self):
        return f"{self.delegate} → {self.activity}"
