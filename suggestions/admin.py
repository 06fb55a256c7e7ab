"""The admin of the suggestion loop: configuration (units, categories) editable, the loop
itself view-only. A suggestion's state changes only through ``suggestions.services``; the
admin offers no form field, inline or action that could move it."""

import posixpath

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import OfficeModelAdmin, ReadOnlyModelAdmin, ReadOnlyTabularInline
from congress_portal.masking import mask_phone

from .models import (
    Attachment,
    Category,
    DeadlineExtension,
    HandlingUnit,
    Rating,
    Suggestion,
    SuggestionEvent,
)


@admin.register(HandlingUnit)
class HandlingUnitAdmin(OfficeModelAdmin):
    list_display = ("name", "level", "parent", "region", "contact_name", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "contact_name", "region__name")
    ordering = ("level", "name")
    autocomplete_fields = ("parent", "region", "members")
    list_select_related = ("parent", "region")


@admin.register(Category)
class CategoryAdmin(OfficeModelAdmin):
    list_display = ("name", "position", "default_unit", "description", "is_active")
    list_display_links = ("name",)
    list_editable = ("position",)
    list_filter = ("is_active",)
    search_fields = ("name", "description")
    ordering = ("position", "name")
    autocomplete_fields = ("default_unit",)
    list_select_related = ("default_unit",)


class SuggestionEventInline(ReadOnlyTabularInline):
    model = SuggestionEvent
    # The snapshots, not the ``actor`` key: the trail reads right and costs no join per row.
    fields = (
        "created_at",
        "verb",
        "from_state",
        "to_state",
        "actor_label",
        "actor_role",
        "channel",
        "is_public",
        "note",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")


class AttachmentInline(ReadOnlyTabularInline):
    model = Attachment
    fields = ("created_at", "kind", "file_name", "content_type", "size")
    readonly_fields = fields

    @admin.display(description=_("file"))
    def file_name(self, obj):
        # Name only, never a link: attachments are served through the scope-checking view.
        return posixpath.basename(obj.file.name) if obj.file else ""


class RatingInline(ReadOnlyTabularInline):
    model = Rating
    fields = ("created_at", "value", "comment")
    readonly_fields = fields


class DeadlineExtensionInline(ReadOnlyTabularInline):
    model = DeadlineExtension
    fields = ("requested_at", "workdays", "reason", "status", "decided_at")
    readonly_fields = fields


# Every field of the suggestion is shown read-only; the raw phone is never among them.
_SUGGESTION_FIELDSETS = (
    (
        None,
        {
            "fields": (
                "tracking_code",
                "title",
                "content",
                "category",
                "station",
                "place",
                "address",
                "channel",
                "reception_day",
                "diary_entry",
                "entered_by",
            )
        },
    ),
    (
        _("Resident"),
        {
            "fields": (
                "submitter_name",
                "masked_submitter_phone",
                "consent_disclosure",
                "contact_erased_at",
            )
        },
    ),
    (
        _("Handling"),
        {
            "fields": (
                "state",
                "outcome",
                "delegate",
                "handling_unit",
                "deadline",
                "overdue",
                "unit_reply",
                "reply",
                "feedback_channel",
                "rating",
                "reopen_count",
                "merged_into",
            )
        },
    ),
    (
        _("Dates"),
        {
            "fields": (
                "submitted_at",
                "accepted_at",
                "dispatched_at",
                "unit_replied_at",
                "replied_at",
                "closed_at",
                "updated_at",
            )
        },
    ),
)


@admin.register(Suggestion)
class SuggestionAdmin(OfficeModelAdmin):
    """View only. The loop moves through the services; the admin shows where it stands."""

    list_display = (
        "tracking_code",
        "title",
        "category",
        "station",
        "state",
        "overdue",
        "delegate",
        "handling_unit",
        "deadline",
        "submitted_at",
    )
    # Stations and units are searched, not listed: a sidebar of 5,000 stations and 2,000 units
    # would be megabytes on every page of the list.
    list_filter = (
        "state",
        "category",
        "channel",
        "station__kind",
        "handling_unit__level",
        "reopen_count",
    )
    # Never the submitter's phone or name: the list must not find residents by their contact.
    search_fields = ("tracking_code", "title", "station__name", "handling_unit__name")
    ordering = ("-submitted_at", "-id")
    date_hierarchy = "submitted_at"
    list_select_related = ("category", "station", "delegate", "handling_unit")
    fieldsets = _SUGGESTION_FIELDSETS
    readonly_fields = tuple(
        name for _title, options in _SUGGESTION_FIELDSETS for name in options["fields"]
    )
    inlines = (SuggestionEventInline, AttachmentInline, RatingInline, DeadlineExtensionInline)
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # View only: with every field read-only a "save" could still rewrite the row outside
        # the services (and bump nothing), so there is no save at all.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("phone"))
    def masked_submitter_phone(self, obj):
        return mask_phone(obj.submitter_phone)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue


@admin.register(SuggestionEvent)
class SuggestionEventAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "suggestion",
        "verb",
        "from_state",
        "to_state",
        "actor_label",
        "actor_role",
        "channel",
        "is_public",
    )
    list_filter = ("verb", "to_state", "actor_role", "channel", "is_public")
    search_fields = ("actor_label", "suggestion__tracking_code")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    list_select_related = ("suggestion",)
    fields = (
        "created_at",
        "suggestion",
        "verb",
        "from_state",
        "to_state",
        "actor_label",
        "actor_role",
        "channel",
        "is_public",
        "note",
        "data",
    )
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "suggestion", "kind", "file_name", "content_type", "size")
    list_filter = ("kind", "content_type")
    search_fields = ("suggestion__tracking_code",)
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    list_select_related = ("suggestion",)
    fields = (
        "created_at",
        "suggestion",
        "kind",
        "file_name",
        "content_type",
        "size",
        "uploaded_by",
    )

    @admin.display(description=_("file"))
    def file_name(self, obj):
        # Name only, never a link: attachments are served through the scope-checking view.
        return posixpath.basename(obj.file.name) if obj.file else ""


@admin.register(Rating)
class RatingAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "suggestion", "value", "comment")
    list_filter = ("value",)
    search_fields = ("suggestion__tracking_code", "comment")
    ordering = ("-created_at", "-id")
    date_hierarchy = "created_at"
    list_select_related = ("suggestion",)
    fields = ("created_at", "suggestion", "value", "comment")


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyModelAdmin):
    """Requested by units and decided by delegates through the services."""

    list_display = (
        "requested_at",
        "suggestion",
        "workdays",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
    )
    list_filter = ("status",)
    search_fields = ("suggestion__tracking_code", "reason")
    ordering = ("-requested_at",)
    date_hierarchy = "requested_at"
    list_select_related = ("suggestion", "requested_by", "decided_by")
    fields = (
        "requested_at",
        "suggestion",
        "workdays",
        "reason",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
    )
