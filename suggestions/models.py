import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import now, today
from congress_portal.crypto import EncryptedTextField, PhoneDigestField
from congress_portal.trees import check_no_cycle


class HandlingUnit(models.Model):
    """A unit that handles dispatched suggestions (承办单位); units nest by level."""

    class Level(models.TextChoices):
        CITY = "city", _("city department")
        COUNTY = "county", _("county / district department")
        TOWNSHIP = "township", _("township / street government")
        VILLAGE = "village", _("village / community committee")
        OTHER = "other", _("other organisation")

    name = models.CharField(_("name"), max_length=80, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "stations.Region",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handling_units",
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff accounts"),
        blank=True,
        related_name="handling_units",
        limit_choices_to={"role": "unit_staff"},
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["level", "name"]

    def __str__(self):
        return self.name

    def clean(self):
        check_no_cycle(self)


class Category(models.Model):
    """What a suggestion is about, with the unit it usually goes to."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    description = models.CharField(_("in plain words"), max_length=120, blank=True)
    default_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("default handling unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_for",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class State(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    DISPATCHED = "dispatched", _("dispatched")
    IN_PROGRESS = "in_progress", _("in progress")
    UNIT_REPLIED = "unit_replied", _("reply under review")
    REPLIED = "replied", _("replied")
    CLOSED = "closed", _("closed")
    MERGED = "merged", _("merged")


class Verb(models.TextChoices):
    """Every recorded step of the loop. Verbs in TRANSITIONS change state; the rest annotate."""

    SUBMIT = "submit", _("submitted")
    ACCEPT = "accept", _("accepted")
    ASSIGN = "assign", _("assigned to a delegate")
    REASSIGN = "reassign", _("reassigned")
    TRANSFER_UNIT = "transfer_unit", _("moved to another handling unit")
    HANDLE_ON_SPOT = "handle_on_spot", _("handled on the spot")
    EXPLAIN = "explain", _("explained, not adopted")
    DISPATCH = "dispatch", _("dispatched to a handling unit")
    MERGE = "merge", _("merged as a duplicate")
    ACKNOWLEDGE = "acknowledge", _("acknowledged by the unit")
    REFUSE = "refuse", _("refused by the unit")
    REQUEST_EXTENSION = "request_extension", _("extension requested")
    DECIDE_EXTENSION = "decide_extension", _("extension decided")
    URGE = "urge", _("urged")
    UNIT_REPLY = "unit_reply", _("replied by the unit")
    SEND_BACK = "send_back", _("reply sent back to the unit")
    PUBLISH = "publish", _("reply published to the resident")
    RATE = "rate", _("rated")
    REOPEN = "reopen", _("rated unsatisfied and reopened")
    AUTO_CLOSE = "auto_close", _("closed without a rating")
    ERASE_CONTACT = "erase_contact", _("contact details erased")
    SUPPORT = "support", _("supported by another resident")
    ABSORB = "absorb", _("a duplicate was merged into it")


S = State
# The loop (DESIGN.md): verb → (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    Verb.ACCEPT: (frozenset({S.SUBMITTED}), S.ACCEPTED),
    Verb.ASSIGN: (frozenset({S.SUBMITTED}), S.ACCEPTED),
    Verb.HANDLE_ON_SPOT: (frozenset({S.ACCEPTED}), S.REPLIED),
    Verb.EXPLAIN: (frozenset({S.ACCEPTED}), S.REPLIED),
    Verb.DISPATCH: (frozenset({S.ACCEPTED}), S.DISPATCHED),
    Verb.MERGE: (frozenset({S.SUBMITTED, S.ACCEPTED}), S.MERGED),
    Verb.ACKNOWLEDGE: (frozenset({S.DISPATCHED}), S.IN_PROGRESS),
    Verb.REFUSE: (frozenset({S.DISPATCHED}), S.ACCEPTED),
    Verb.UNIT_REPLY: (frozenset({S.IN_PROGRESS}), S.UNIT_REPLIED),
    Verb.SEND_BACK: (frozenset({S.UNIT_REPLIED}), S.IN_PROGRESS),
    Verb.PUBLISH: (frozenset({S.UNIT_REPLIED}), S.REPLIED),
    Verb.RATE: (frozenset({S.REPLIED}), S.CLOSED),
    Verb.REOPEN: (frozenset({S.REPLIED}), S.ACCEPTED),
    Verb.AUTO_CLOSE: (frozenset({S.REPLIED}), S.CLOSED),
}
# Steps that annotate without moving: verb → states in which they make sense.
ANNOTATIONS: dict[str, frozenset[str]] = {
    Verb.SUBMIT: frozenset({S.SUBMITTED}),
    # Replied too: the delegate who waits for the resident's rating may leave (delegate_deactivate),
    # and a reopened suggestion must come back to someone who still serves.
    Verb.REASSIGN: frozenset({S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.UNIT_REPLIED, S.REPLIED}),
    # A unit closed down (handling_unit_deactivate): its open work goes on at its successor.
    Verb.TRANSFER_UNIT: frozenset({S.DISPATCHED, S.IN_PROGRESS, S.UNIT_REPLIED}),
    Verb.URGE: frozenset({S.DISPATCHED, S.IN_PROGRESS}),
    Verb.REQUEST_EXTENSION: frozenset({S.DISPATCHED, S.IN_PROGRESS}),
    Verb.DECIDE_EXTENSION: frozenset({S.DISPATCHED, S.IN_PROGRESS}),
    Verb.ERASE_CONTACT: frozenset({S.CLOSED, S.MERGED}),
    # 附议: residents support what is still being handled.
    Verb.SUPPORT: frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.UNIT_REPLIED}),
    # The survivor of a merge records it, in whatever state it is (suggestion_merge).
    Verb.ABSORB: frozenset(State.values) - {S.MERGED},
}
OPEN_STATES = frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED, S.IN_PROGRESS, S.UNIT_REPLIED})
WITH_UNIT_STATES = frozenset({S.DISPATCHED, S.IN_PROGRESS})
del S


class Channel(models.TextChoices):
    """How a suggestion reached the portal."""

    ONLINE = "online", _("online")
    RECEPTION_DAY = "reception_day", _("reception day")
    VISIT = "visit", _("visit")
    PHONE = "phone", _("phone")
    WECHAT = "wechat", _("WeChat")
    LETTER = "letter", _("letter")
    DIARY = "diary", _("field diary")
    MEETING = "meeting", _("meeting")


class Outcome(models.TextChoices):
    """The three outcomes of 派单 (seed 001)."""

    ON_SPOT = "on_spot", _("handled on the spot")
    DISPATCHED = "dispatched", _("dispatched to a unit")
    EXPLAINED = "explained", _("explained, not adopted")


class FeedbackChannel(models.TextChoices):
    """How the delegate fed the result back to the resident."""

    PHONE = "phone", _("by phone")
    ON_SITE = "on_site", _("on site")
    PUBLIC_NOTICE = "public_notice", _("by public notice")
    ONLINE = "online", _("online")


class RatingValue(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASIC = "basic", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


class Suggestion(models.Model):
    """A resident's suggestion (群众意见建议), the central object of the loop."""

    tracking_code = models.CharField(_("tracking code"), max_length=16, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("details"), max_length=3000)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="suggestions"
    )
    station = models.ForeignKey(
        "stations.Station",
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    place = models.ForeignKey(
        "stations.Region",
        verbose_name=_("community or village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The resident's address and contact data: encrypted at rest (congress_portal/crypto.py),
    # masked on every page, name and phone erased after the retention period. The phone is
    # matched only through its keyed digest (the ciphertext is random).
    address = EncryptedTextField(_("address"), max_length=200, blank=True)
    submitter_name = EncryptedTextField(_("name"), max_length=40, blank=True)
    submitter_phone = EncryptedTextField(_("phone"), max_length=20, blank=True)
    submitter_phone_digest = PhoneDigestField(_("phone digest"), source="submitter_phone")
    consent_disclosure = models.BooleanField(_("agrees to public disclosure"), default=False)
    contact_erased_at = models.DateTimeField(_("contact erased at"), null=True, blank=True)

    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    reception_day = models.ForeignKey(
        "stations.ReceptionDay",
        verbose_name=_("reception day"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    diary_entry = models.ForeignKey(
        "delegates.DiaryEntry",
        verbose_name=_("field diary entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    state = models.CharField(
        _("status"), max_length=15, choices=State.choices, default=State.SUBMITTED
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    delegate = models.ForeignKey(
        "delegates.Delegate",
        verbose_name=_("delegate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    handling_unit = models.ForeignKey(
        HandlingUnit,
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    unit_reply = models.TextField(_("unit's reply"), max_length=3000, blank=True)
    reply = models.TextField(_("reply to the resident"), max_length=3000, blank=True)
    feedback_channel = models.CharField(
        _("fed back"), max_length=15, choices=FeedbackChannel.choices, blank=True
    )
    rating = models.CharField(_("rating"), max_length=12, choices=RatingValue.choices, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # 附议: how many Supporter rows it has, kept by suggestion_support and suggestion_merge in
    # the transaction that adds them (the row locked), so that no list counts them per row.
    supporter_count = models.PositiveIntegerField(
        _("supporters"), default=0, db_default=0, editable=False
    )

    submitted_at = models.DateTimeField(_("submitted"), default=now, db_index=True)
    # Stored so that monthly figures group by an indexed column (PERFORMANCE.md).
    submitted_month = models.DateField(_("month submitted"), editable=False)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    unit_replied_at = models.DateTimeField(_("unit replied"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=now)
    # A per-form key: the same form posted twice creates one suggestion (SECURITY.md 22).
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=Q(submission_key__isnull=False),
                name="suggestion_unique_submission_key",
            ),
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="suggestion_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False),
                name="suggestion_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("id")), name="suggestion_not_merged_into_self"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["dispatched", "in_progress", "unit_replied"])
                | Q(handling_unit__isnull=False, deadline__isnull=False),
                name="suggestion_dispatched_has_unit_and_deadline",
            ),
            models.CheckConstraint(
                condition=Q(state="submitted") | Q(state="merged") | Q(delegate__isnull=False),
                name="suggestion_taken_has_delegate",
            ),
            models.CheckConstraint(
                condition=~Q(channel="reception_day") | Q(reception_day__isnull=False),
                name="suggestion_reception_channel_has_day",
            ),
        ]
        # The desk (suggestions/desk.py) reads every queue newest first, one keyset page at a
        # time: each filter column has an index (column, submitted_at, id) that serves its
        # rows in that order, and an index (column, state, deadline) that its capped tab
        # counts read without touching the table (index-only: every tab is a state set, the
        # overdue tab adds the deadline; the scoping columns add the category, the filter
        # a scoped queue uses most). Partial indexes hold the tabs of a few states and the
        # reopened filter. Plans at 1,000,000 rows: scripts/desk_explain.py.
        indexes = [
            models.Index(
                fields=["station", "state", "deadline", "category"], name="sugg_station_state_idx"
            ),
            models.Index(
                fields=["delegate", "state", "deadline", "category"], name="sugg_delegate_state_idx"
            ),
            models.Index(
                fields=["handling_unit", "state", "deadline", "category"],
                name="sugg_unit_state_idx",
            ),
            models.Index(fields=["state", "deadline"], name="sugg_state_deadline_idx"),
            models.Index(fields=["submitted_month", "state"], name="sugg_month_state_idx"),
            models.Index(fields=["submitted_at", "id"], name="sugg_desk_order_idx"),
            # Exact matches on a phone (limits, duplicates), never on the encrypted column.
            models.Index(
                fields=["submitter_phone_digest"],
                condition=~Q(submitter_phone_digest=""),
                name="sugg_phone_digest_idx",
            ),
            models.Index(fields=["state", "submitted_at", "id"], name="sugg_desk_state_idx"),
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(state__in=sorted(OPEN_STATES)),
                name="sugg_desk_open_idx",
            ),
            # The deadline last: an overdue count within dates reads it from the index alone.
            models.Index(
                fields=["submitted_at", "id", "deadline"],
                condition=Q(state__in=sorted(WITH_UNIT_STATES)),
                name="sugg_desk_with_unit_idx",
            ),
            models.Index(fields=["station", "submitted_at", "id"], name="sugg_desk_station_idx"),
            models.Index(fields=["delegate", "submitted_at", "id"], name="sugg_desk_delegate_idx"),
            models.Index(fields=["handling_unit", "submitted_at", "id"], name="sugg_desk_unit_idx"),
            models.Index(fields=["category", "submitted_at", "id"], name="sugg_desk_category_idx"),
            models.Index(
                fields=["category", "state", "deadline"], name="sugg_desk_category_state_idx"
            ),
            models.Index(
                fields=["channel", "state", "deadline"], name="sugg_desk_channel_state_idx"
            ),
            models.Index(
                fields=["submitted_at", "id"],
                condition=Q(reopen_count__gt=0),
                name="sugg_desk_reopened_idx",
            ),
            # The unit's station filter offers the stations of what was dispatched to it: one
            # index-only probe a station (a probe read each station's rows without it: 1 s).
            models.Index(fields=["station", "handling_unit"], name="sugg_station_unit_idx"),
            models.Index(
                fields=["state", "deadline"],
                condition=Q(reopen_count__gt=0),
                name="sugg_desk_reopened_state_idx",
            ),
        ]

    def __str__(self):
        return f"{self.formatted_code} {self.title}"

    def save(self, *args, **kwargs):
        # Derived, stored for indexed monthly grouping; kept in step with submitted_at.
        self.submitted_month = first_of_month(timezone.localdate(self.submitted_at))
        super().save(*args, **kwargs)

    def get_tracking_url(self):
        return reverse("suggestions:track_detail", args=[self.tracking_code])

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def is_overdue(self):
        return (
            self.state in WITH_UNIT_STATES and self.deadline is not None and self.deadline < today()
        )

    @property
    def is_reopened(self):
        return self.reopen_count > 0

    @property
    def formatted_code(self):
        from .codes import format_code

        return format_code(self.tracking_code)

    def check_transition(self, verb: str) -> str:
        """The state ``verb`` leads to from here, or a translated ValidationError saying why not."""
        if verb in TRANSITIONS:
            sources, target = TRANSITIONS[verb]
        elif verb in ANNOTATIONS:
            sources, target = ANNOTATIONS[verb], self.state
        else:
            raise ValueError(f"unknown verb {verb!r}")
        if self.state not in sources:
            raise ValidationError(
                gettext("This suggestion is %(state)s; it cannot be %(verb)s now.")
                % {"state": self.get_state_display(), "verb": Verb(verb).label},
                code="invalid_transition",
            )
        return target


class SuggestionEvent(models.Model):
    """One step of a suggestion's trail. Append-only: the database refuses updates."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.PROTECT, related_name="events"
    )
    verb = models.CharField(_("step"), max_length=20, choices=Verb.choices)
    from_state = models.CharField(_("from"), max_length=15, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=15, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Snapshots: the trail still reads right after an account is renamed or removed.
    actor_role = models.CharField(_("role"), max_length=20, blank=True)
    actor_label = models.CharField(_("by"), max_length=100, blank=True)
    note = models.TextField(_("note"), max_length=3000, blank=True)
    channel = models.CharField(_("channel"), max_length=15, blank=True)
    is_public = models.BooleanField(_("shown to the resident"), default=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=now, editable=False)

    class Meta:
        verbose_name = _("suggestion event")
        verbose_name_plural = _("suggestion events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["suggestion", "created_at"], name="event_suggestion_time_idx"),
            models.Index(fields=["verb", "created_at"], name="event_verb_time_idx"),
        ]

    def __str__(self):
        return f"{self.suggestion_id} {self.verb} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Suggestion events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Suggestion events are append-only.")


class Supporter(models.Model):
    """A resident who has the same problem and supports a suggestion (附议) instead of filing
    it again; or the resident of a duplicate merged into it (``merged_from``). The phone is
    optional (to be told of the outcome), masked everywhere, erased like the submitter's."""

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="supporters",
    )
    # Encrypted at rest like the submitter's phone, matched only through its keyed digest.
    phone = EncryptedTextField(_("phone"), max_length=20, blank=True)
    phone_digest = PhoneDigestField(_("phone digest"), source="phone")
    merged_from = models.ForeignKey(
        Suggestion,
        verbose_name=_("merged duplicate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("supported"), default=now, editable=False)
    # The support form posted twice (double click, retry) is one support (SECURITY.md 22).
    submission_key = models.UUIDField(_("submission key"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "phone_digest"],
                condition=~Q(phone_digest=""),
                name="supporter_one_per_phone",
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=Q(submission_key__isnull=False),
                name="supporter_unique_submission_key",
            ),
        ]

    def __str__(self):
        return f"{self.suggestion_id} supporter {self.pk}"


class Attachment(models.Model):
    """A photo from the resident or a file of a unit's reply; served only through a view
    that checks the suggestion's scope."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        REPLY = "reply", _("reply attachment")

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=now, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.suggestion_id} {self.get_kind_display()} {self.pk}"


class Rating(models.Model):
    """A resident's rating of a reply (评单). A reopened suggestion can be rated again."""

    suggestion = models.ForeignKey(
        Suggestion, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="ratings"
    )
    value = models.CharField(_("rating"), max_length=12, choices=RatingValue.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("rated"), default=now, editable=False, db_index=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.suggestion_id} {self.get_value_display()}"


class DeadlineExtension(models.Model):
    """A unit's request for more working days, decided by the delegate."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        on_delete=models.CASCADE,
        related_name="extensions",
    )
    workdays = models.PositiveSmallIntegerField(_("extra working days"))
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"), default=now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_suggestion",
            ),
            models.CheckConstraint(
                condition=Q(workdays__gte=1, workdays__lte=60), name="extension_workdays_range"
            ),
        ]

    def __str__(self):
        return f"{self.suggestion_id} +{self.workdays}"
