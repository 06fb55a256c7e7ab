import posixpath

from django.contrib import admin
from django.contrib.admin.widgets import AdminFileWidget
from django.db import models
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from accounts.admin import OfficeModelAdmin

from .models import (
    Activity,
    AnnualReport,
    Constituency,
    Delegate,
    DelegateGroup,
    DiaryEntry,
    FixedContact,
    Mandate,
    StationMembership,
    Term,
    YearlyTarget,
)
from .services import delegate_save


class _StoredFile:
    """A stored file's name without a URL: uploads are not served from a public path."""

    url = ""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return posixpath.basename(self.name)


class UnlinkedFileWidget(AdminFileWidget):
    """The admin's file widget, naming the current file without linking to it.

    ``MEDIA_URL`` is unset on purpose (uploads are served only through views that check
    access), so the stock widget's ``value.url`` would raise.
    """

    def is_initial(self, value):
        return bool(value and getattr(value, "name", ""))

    def format_value(self, value):
        if self.is_initial(value):
            return _StoredFile(value.name)
        return None


@admin.register(Term)
class TermAdmin(OfficeModelAdmin):
    list_display = ("__str__", "level", "number", "start_date", "end_date")
    list_filter = ("level",)
    search_fields = ("number",)
    ordering = ("level", "-number")
    date_hierarchy = "start_date"


@admin.register(Constituency)
class ConstituencyAdmin(OfficeModelAdmin):
    list_display = ("name", "level", "region")
    list_filter = ("level",)
    search_fields = ("name", "region__name")
    ordering = ("level", "name")
    autocomplete_fields = ("region",)
    list_select_related = ("region",)


@admin.register(DelegateGroup)
class DelegateGroupAdmin(OfficeModelAdmin):
    list_display = ("name", "kind", "station", "leader", "member_count")
    list_filter = ("kind",)
    search_fields = ("name",)
    ordering = ("kind", "name")
    autocomplete_fields = ("station", "leader")
    list_select_related = ("station", "leader")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("members"))

    @admin.display(description=_("members"), ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count


class MandateInline(admin.TabularInline):
    model = Mandate
    extra = 0
    autocomplete_fields = ("term", "constituency")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delegate", "term", "constituency")


class DelegateMembershipInline(admin.TabularInline):
    model = StationMembership
    extra = 0
    autocomplete_fields = ("station",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delegate", "station")


@admin.register(Delegate)
class DelegateAdmin(OfficeModelAdmin):
    list_display = (
        "name",
        "name_pinyin",
        "gender",
        "level_list",
        "station_list",
        "occupation",
        "user",
        "is_active",
    )
    # Groups by kind, not by name: a province has thousands of groups for the sidebar.
    list_filter = ("is_active", "gender", "mandates__level", "mandates__term", "groups__kind")
    search_fields = ("name", "name_pinyin", "name_initials", "occupation")
    ordering = ("name_pinyin", "name")
    autocomplete_fields = ("user", "groups")
    list_select_related = ("user",)
    readonly_fields = ("name_pinyin", "name_initials", "created_at")
    inlines = (MandateInline, DelegateMembershipInline)
    formfield_overrides = {models.ImageField: {"widget": UnlinkedFileWidget}}
    fieldsets = (
        (None, {"fields": ("name", ("name_pinyin", "name_initials"), "gender", "occupation")}),
        (_("Contact"), {"fields": ("phone", "email", "consent_public_contact")}),
        (_("Profile"), {"fields": ("photo", "bio")}),
        (_("Account and groups"), {"fields": ("user", "groups", "is_active", "created_at")}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("mandates", queryset=Mandate.objects.only("id", "delegate_id", "level")),
                "stations",
            )
        )

    @admin.display(description=_("levels"))
    def level_list(self, obj):
        levels = {mandate.get_level_display() for mandate in obj.mandates.all()}
        return ", ".join(sorted(str(level) for level in levels))

    @admin.display(description=_("stationed at"))
    def station_list(self, obj):
        return ", ".join(station.name for station in obj.stations.all())

    def save_model(self, request, obj, form, change):
        # The pinyin search names follow the name: one service writes both.
        delegate_save(delegate=obj)


@admin.register(Mandate)
class MandateAdmin(OfficeModelAdmin):
    list_display = ("delegate", "level", "term", "constituency")
    list_filter = ("level", "term")
    search_fields = ("delegate__name", "delegate__name_pinyin", "constituency__name")
    ordering = ("delegate__name_pinyin", "level")
    autocomplete_fields = ("delegate", "term", "constituency")
    list_select_related = ("delegate", "term", "constituency")


@admin.register(StationMembership)
class StationMembershipAdmin(OfficeModelAdmin):
    list_display = ("delegate", "station", "role", "since")
    list_filter = ("role", "station__kind")
    search_fields = ("delegate__name", "delegate__name_pinyin", "station__name")
    ordering = ("station__name", "delegate__name_pinyin")
    autocomplete_fields = ("delegate", "station")
    list_select_related = ("delegate", "station")


@admin.register(Activity)
class ActivityAdmin(OfficeModelAdmin):
    list_display = (
        "date",
        "title",
        "kind",
        "station",
        "participant_count",
        "residents_contacted",
        "created_by",
    )
    # No filter by station or participant: a sidebar of 5,000 stations (or a picker of 20,000
    # delegates) is megabytes; the search finds both by name.
    list_filter = ("kind", "station__kind")
    search_fields = (
        "title",
        "place",
        "station__name",
        "participants__name",
        "participants__name_pinyin",
    )
    ordering = ("-date", "-id")
    date_hierarchy = "date"
    autocomplete_fields = ("station", "participants")
    list_select_related = ("station", "created_by")
    readonly_fields = ("created_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_participant_count=Count("participants"))

    @admin.display(description=_("delegates"), ordering="_participant_count")
    def participant_count(self, obj):
        return obj._participant_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(DiaryEntry)
class DiaryEntryAdmin(OfficeModelAdmin):
    list_display = ("date", "delegate", "place", "created_at")
    list_filter = ("date",)
    search_fields = ("delegate__name", "delegate__name_pinyin", "place", "text")
    ordering = ("-date", "-id")
    date_hierarchy = "date"
    autocomplete_fields = ("delegate",)
    list_select_related = ("delegate",)
    readonly_fields = ("created_at",)


@admin.register(YearlyTarget)
class YearlyTargetAdmin(OfficeModelAdmin):
    list_display = ("year", "level", "metric", "value")
    list_filter = ("year", "level", "metric")
    search_fields = ("year",)
    ordering = ("-year", "level", "metric")
    list_editable = ("value",)


@admin.register(FixedContact)
class FixedContactAdmin(OfficeModelAdmin):
    list_display = ("delegate", "name", "place", "since", "until")
    list_filter = ("since",)
    # Not the resident's name: it is encrypted at rest, the database cannot search it.
    search_fields = ("delegate__name", "delegate__name_pinyin", "place")
    ordering = ("delegate__name_pinyin", "-since")
    autocomplete_fields = ("delegate",)
    list_select_related = ("delegate",)


@admin.register(AnnualReport)
class AnnualReportAdmin(OfficeModelAdmin):
    """Recorded through the performance file page (述职评议); here to look up and correct."""

    list_display = (
        "delegate",
        "year",
        "date",
        "place",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "satisfaction_percent",
    )
    list_filter = ("year",)
    search_fields = ("delegate__name", "delegate__name_pinyin", "place")
    ordering = ("-year", "delegate__name_pinyin")
    autocomplete_fields = ("delegate",)
    list_select_related = ("delegate",)
    readonly_fields = ("recorded_by", "created_at")

    @admin.display(description=_("satisfaction"))
    def satisfaction_percent(self, obj):
        return obj.satisfaction_percent or "—"
