"""The admin of meetings, topics and secret-ballot sessions.

Ballots, their marks and ballot codes are view-only: they are written only by the ballot page.
A code's hash is never shown, and ballots of a session are listed only once it is closed
(SECURITY.md 20: results only after the session closes).
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts.admin import OfficeModelAdmin, ReadOnlyModelAdmin, ReadOnlyTabularInline

from .models import (
    Ballot,
    BallotCode,
    BallotMark,
    BallotSession,
    FollowUp,
    Meeting,
    PaperTally,
    Topic,
)


class TopicInline(admin.TabularInline):
    model = Topic
    extra = 0
    fields = ("title", "station", "status", "decision")
    autocomplete_fields = ("station",)
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("station", "meeting")


@admin.register(Meeting)
class MeetingAdmin(OfficeModelAdmin):
    list_display = ("date", "title", "kind", "station", "place", "status", "organiser")
    list_filter = ("kind", "status", "station__kind")
    search_fields = ("title", "place", "station__name")
    ordering = ("-date", "-id")
    date_hierarchy = "date"
    autocomplete_fields = ("station", "organiser", "delegates")
    list_select_related = ("station", "organiser")
    readonly_fields = ("created_at",)
    inlines = (TopicInline,)
    fieldsets = (
        (None, {"fields": ("kind", "title", "station", ("date", "start_time"), "place", "status")}),
        (_("Participants"), {"fields": ("organiser", "delegates", "other_participants")}),
        (_("Agenda and minutes"), {"fields": ("agenda", "minutes", "created_at")}),
    )


class FollowUpInline(admin.TabularInline):
    model = FollowUp
    extra = 0
    fields = ("description", "owner", "due_date", "done_at", "result")


@admin.register(Topic)
class TopicAdmin(OfficeModelAdmin):
    list_display = ("title", "station", "meeting", "status", "suggestion_count", "created_at")
    list_filter = ("status", "station__kind")
    search_fields = ("title", "description", "station__name")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    autocomplete_fields = ("station", "meeting", "suggestions")
    list_select_related = ("station", "meeting")
    readonly_fields = ("created_at",)
    inlines = (FollowUpInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_suggestion_count=Count("suggestions"))

    @admin.display(description=_("suggestions"), ordering="_suggestion_count")
    def suggestion_count(self, obj):
        return obj._suggestion_count


@admin.register(FollowUp)
class FollowUpAdmin(OfficeModelAdmin):
    list_display = ("description", "topic", "owner", "due_date", "done_at")
    list_filter = ("done_at",)
    search_fields = ("description", "owner", "topic__title")
    ordering = ("due_date", "id")
    date_hierarchy = "due_date"
    autocomplete_fields = ("topic",)
    list_select_related = ("topic",)


class PaperTallyInline(admin.TabularInline):
    model = PaperTally
    extra = 0
    fields = ("suggestion", "satisfied", "basic", "unsatisfied")
    autocomplete_fields = ("suggestion",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("suggestion", "session")


@admin.register(BallotSession)
class BallotSessionAdmin(OfficeModelAdmin):
    list_display = ("meeting", "status", "voters", "item_count", "codes_used")
    list_filter = ("status",)
    search_fields = ("meeting__title", "meeting__station__name")
    ordering = ("-meeting__date",)
    autocomplete_fields = ("meeting", "suggestions")
    list_select_related = ("meeting",)
    inlines = (PaperTallyInline,)
    # Opening and closing a session is a ballot-session event, audited by its service
    # (SECURITY.md 13, 20); here a session is prepared and its paper tallies entered.
    readonly_fields = ("status",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _item_count=Count("suggestions", distinct=True),
                _codes_used=Count("codes", filter=Q(codes__used=True), distinct=True),
            )
        )

    @admin.display(description=_("items"), ordering="_item_count")
    def item_count(self, obj):
        return obj._item_count

    @admin.display(description=_("codes used"), ordering="_codes_used")
    def codes_used(self, obj):
        return obj._codes_used


@admin.register(PaperTally)
class PaperTallyAdmin(OfficeModelAdmin):
    list_display = ("session", "suggestion", "satisfied", "basic", "unsatisfied")
    search_fields = ("suggestion__tracking_code", "suggestion__title")
    list_filter = ("session__status",)
    ordering = ("session", "suggestion")
    autocomplete_fields = ("session", "suggestion")
    list_select_related = ("session__meeting", "suggestion")


@admin.register(BallotCode)
class BallotCodeAdmin(ReadOnlyModelAdmin):
    """Whether each code was used, and nothing else: the hash is never displayed (and the
    model's ``__str__`` carries part of it, so there is no per-code page either)."""

    list_display = ("session", "used")
    list_display_links = None
    list_filter = (
        "used",
        "session__status",
        ("session__meeting", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("session__meeting__title",)
    ordering = ("session", "id")
    list_select_related = ("session__meeting",)
    fields = ("session", "used")

    def has_view_permission(self, request, obj=None):
        return obj is None and super().has_view_permission(request, obj)


class BallotMarkInline(ReadOnlyTabularInline):
    model = BallotMark
    fields = ("suggestion", "value")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("suggestion")


class ClosedSessionsOnlyMixin:
    """Ballots exist in the admin only once their session is closed (no running results)."""

    session_path = "session"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(**{f"{self.session_path}__status": BallotSession.Status.CLOSED})
        )


@admin.register(Ballot)
class BallotAdmin(ClosedSessionsOnlyMixin, ReadOnlyModelAdmin):
    list_display = ("id", "session")
    # By meeting: a session's name is its meeting's, so listing sessions would query per row.
    list_filter = (("session__meeting", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("session__meeting__title",)
    ordering = ("session", "id")
    list_select_related = ("session__meeting",)
    fields = ("id", "session")
    inlines = (BallotMarkInline,)


@admin.register(BallotMark)
class BallotMarkAdmin(ClosedSessionsOnlyMixin, ReadOnlyModelAdmin):
    session_path = "ballot__session"
    list_display = ("ballot", "suggestion", "value")
    list_filter = ("value", ("ballot__session__meeting", admin.RelatedOnlyFieldListFilter))
    search_fields = ("suggestion__tracking_code", "suggestion__title")
    ordering = ("ballot__session", "suggestion")
    list_select_related = ("ballot", "suggestion")
    fields = ("ballot", "suggestion", "value")
