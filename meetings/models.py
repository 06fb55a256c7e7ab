import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import now
from congress_portal.crypto import EncryptedTextField
from suggestions.models import RatingValue


class Meeting(models.Model):
    """A meeting: the 三会 of seed 003 and the monthly government briefing of seed 001."""

    class Kind(models.TextChoices):
        BENCH = "bench", _("bench deliberation meeting")
        COMMUNITY = "community", _("residential-area consultation")
        RATING = "rating", _("voters' rating meeting")
        BRIEFING = "briefing", _("government work briefing")
        OTHER = "other", _("other meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=120)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=120, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delegates = models.ManyToManyField(
        "delegates.Delegate",
        verbose_name=_("delegates attending"),
        blank=True,
        related_name="meetings",
    )
    # Who sat at the table besides the delegates, in the groups seed 003 names.
    committee_members = models.CharField(
        _("community committee members"), max_length=500, blank=True
    )
    unit_representatives = models.CharField(_("unit representatives"), max_length=500, blank=True)
    property_companies = models.CharField(_("property companies"), max_length=500, blank=True)
    # Residents' names: encrypted at rest (congress_portal/crypto.py).
    resident_representatives = EncryptedTextField(
        _("resident representatives"), max_length=500, blank=True
    )
    other_participants = models.TextField(
        _("other participants"),
        max_length=2000,
        blank=True,
        help_text=_(
            "Community committee members, unit representatives, property companies, "
            "resident representatives…"
        ),
    )
    agenda = models.TextField(_("agenda"), max_length=4000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField(_("created"), default=now, editable=False)
    # A per-form key: the same form posted twice creates one meeting (SECURITY.md 22).
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=Q(submission_key__isnull=False),
                name="meeting_unique_submission_key",
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("meetings:detail", args=[self.pk])

    def get_manage_url(self):
        return reverse("meetings:manage", args=[self.pk])

    @property
    def is_rating(self):
        return self.kind == self.Kind.RATING

    @property
    def participant_groups(self):
        """(label, text) of each non-empty group of participants besides the delegates."""
        pairs = [
            (self._meta.get_field(name).verbose_name, getattr(self, name))
            for name in (
                "committee_members",
                "unit_representatives",
                "property_companies",
                "resident_representatives",
                "other_participants",
            )
        ]
        return [(label, text) for label, text in pairs if text]


class Topic(models.Model):
    """A topic (议题) built from related suggestions: 收集民意 → 确定议题 → 代表议事 → 跟踪落实."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        DELIBERATED = "deliberated", _("deliberated")
        DONE = "done", _("carried out")

    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="topics",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="topics",
    )
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion",
        verbose_name=_("suggestions"),
        blank=True,
        related_name="topics",
    )
    decision = models.TextField(_("decision"), max_length=4000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    created_at = models.DateTimeField(_("created"), default=now, editable=False)
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=Q(submission_key__isnull=False),
                name="topic_unique_submission_key",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:topic", args=[self.pk])


class FollowUp(models.Model):
    """A decision's follow-up (跟踪落实): an owner and a due date, tracked until done."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    description = models.CharField(_("what is to be done"), max_length=300)
    owner = models.CharField(_("owner"), max_length=80)
    due_date = models.DateField(_("due"))
    done_at = models.DateField(_("done"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_date", "id"]

    def __str__(self):
        return self.description


class BallotSession(models.Model):
    """A secret-ballot rating session (选民评单会) of a meeting."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("being prepared")
        OPEN = "open", _("open for voting")
        CLOSED = "closed", _("closed")

    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.PROTECT,
        related_name="ballot_session",
    )
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion",
        verbose_name=_("suggestions rated"),
        related_name="ballot_sessions",
    )
    voters = models.PositiveSmallIntegerField(_("number of voters"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Session-level moments only; a single ballot carries no time (SECURITY.md 20).
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The key of the last issuing form: a reload of the sheet re-posts it and must not
    # silently invalidate the codes just printed.
    issue_key = models.UUIDField(_("issue key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("ballot session")
        verbose_name_plural = _("ballot sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(voters__gte=1, voters__lte=2000), name="ballot_session_voters_range"
            ),
        ]

    def __str__(self):
        return str(self.meeting)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    @property
    def is_closed(self):
        return self.status == self.Status.CLOSED


class BallotCode(models.Model):
    """A one-time ballot code, stored only as a hash. ``used`` flips once, conditionally."""

    session = models.ForeignKey(
        BallotSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="codes"
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    used = models.BooleanField(_("used"), default=False)

    class Meta:
        verbose_name = _("ballot code")
        verbose_name_plural = _("ballot codes")

    def __str__(self):
        return f"{self.session_id}:{self.code_hash[:8]}"


class StagedBallot(models.Model):
    """A ballot cast while its session is open, held here until the session closes.

    Why not a counted ``Ballot`` at once: a row written in the transaction that spends a code
    carries that transaction's id (PostgreSQL's ``xmin``) and sits after the ballots cast before
    it, so whoever reads the tables could pair it with its code row. Closing moves every staged
    ballot, shuffled, into ``Ballot``/``BallotMark`` in one transaction and deletes (and
    vacuums) these rows (``services.ballot_session_close``). ``marks`` is
    ``{"<suggestion id>": "<rating>"}``; like a ballot, no code, person, IP or time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        BallotSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="staged_ballots",
    )
    marks = models.JSONField(_("ratings"))

    class Meta:
        verbose_name = _("staged ballot")
        verbose_name_plural = _("staged ballots")

    def __str__(self):
        return str(self.id)


class Ballot(models.Model):
    """A counted ballot. Deliberately no link to a code, a voter, an IP, or a time; a random
    key. Written only when the session closes, all of a session's ballots in one transaction
    and in random order, so that neither the row order nor the transaction id tells which code
    cast which ballot (see ``StagedBallot``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(
        BallotSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="ballots"
    )

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self):
        return str(self.id)


class BallotMark(models.Model):
    """One ballot's rating of one suggestion."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="marks"
    )
    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name=_("suggestion"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.CharField(_("rating"), max_length=12, choices=RatingValue.choices)

    class Meta:
        verbose_name = _("ballot mark")
        verbose_name_plural = _("ballot marks")
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "suggestion"], name="ballot_mark_once_per_item"
            ),
        ]

    def __str__(self):
        return f"{self.suggestion_id} {self.value}"


class PaperTally(models.Model):
    """Aggregated totals of a paper vote for one suggestion, entered by staff."""

    session = models.ForeignKey(
        BallotSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="paper_tallies",
    )
    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name=_("suggestion"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basic = models.PositiveIntegerField(_("basically satisfied"), default=0)
    unsatisfied = models.PositiveIntegerField(_("unsatisfied"), default=0)

    class Meta:
        verbose_name = _("paper tally")
        verbose_name_plural = _("paper tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "suggestion"], name="paper_tally_once_per_item"
            ),
        ]

    def __str__(self):
        return f"{self.session_id}:{self.suggestion_id}"
