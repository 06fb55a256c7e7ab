from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from accounts.admin import OfficeModelAdmin
from delegates.models import StationMembership

from . import services
from .models import (
    CalendarDay,
    CalendarYear,
    DutyAssignment,
    ReceptionDay,
    ReceptionRule,
    Region,
    Station,
)


@admin.register(Region)
class RegionAdmin(OfficeModelAdmin):
    list_display = ("name", "kind", "parent", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code", "parent__name")
    ordering = ("kind", "name")
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)


class StationMembershipInline(admin.TabularInline):
    model = StationMembership
    extra = 0
    autocomplete_fields = ("delegate",)
    verbose_name = _("stationed delegate")
    verbose_name_plural = _("stationed delegates")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delegate", "station")


class ReceptionRuleInline(admin.StackedInline):
    model = ReceptionRule
    extra = 0
    fields = (
        ("kind", "is_active"),
        ("day_of_month", "weekday", "explicit_dates"),
        "postpone_on_holiday",
        ("start_time", "end_time"),
        "duty_delegates",
    )


@admin.register(Station)
class StationAdmin(OfficeModelAdmin):
    list_display = (
        "name",
        "kind",
        "parent",
        "region",
        "manager_name",
        "delegate_count",
        "is_active",
    )
    list_filter = ("kind", "is_active", "region__kind")
    search_fields = ("name", "address", "region__name", "manager_name")
    ordering = ("name",)
    autocomplete_fields = ("parent", "region", "staff")
    list_select_related = ("parent", "region")
    readonly_fields = ("created_at",)
    inlines = (StationMembershipInline, ReceptionRuleInline)
    fieldsets = (
        (None, {"fields": ("name", "kind", "parent", "region", "address", "is_active")}),
        (
            _("Contact"),
            {"fields": ("manager_name", "manager_title", "phone", "opening_hours", "description")},
        ),
        (_("Staff accounts"), {"fields": ("staff",)}),
        (None, {"fields": ("created_at",)}),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_delegate_count=Count("memberships", distinct=True))
        )

    @admin.display(description=_("stationed delegates"), ordering="_delegate_count")
    def delegate_count(self, obj):
        return obj._delegate_count


@admin.register(CalendarYear)
class CalendarYearAdmin(OfficeModelAdmin):
    list_display = ("year", "is_official", "note")
    list_filter = ("is_official",)
    search_fields = ("year", "note")
    ordering = ("-year",)


@admin.register(CalendarDay)
class CalendarDayAdmin(OfficeModelAdmin):
    """One date at a time, for corrections; a year's schedule is entered on the office's
    calendar page (stations:calendar_year). Both go through the services, which move the
    reception days a change postpones."""

    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)
    search_fields = ("name",)
    ordering = ("date",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        services.calendar_day_save(day=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.calendar_day_delete(day=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.calendar_day_delete(day=day, actor=request.user)


@admin.register(ReceptionRule)
class ReceptionRuleAdmin(OfficeModelAdmin):
    list_display = (
        "station",
        "kind",
        "day_of_month",
        "weekday",
        "postpone_on_holiday",
        "start_time",
        "end_time",
        "duty_delegates",
        "is_active",
    )
    list_filter = ("kind", "is_active", "postpone_on_holiday")
    search_fields = ("station__name",)
    ordering = ("station__name", "kind")
    autocomplete_fields = ("station",)
    list_select_related = ("station",)


class DutyAssignmentInline(admin.TabularInline):
    model = DutyAssignment
    extra = 0
    autocomplete_fields = ("delegate",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delegate", "reception_day__station")


@admin.register(ReceptionDay)
class ReceptionDayAdmin(OfficeModelAdmin):
    list_display = (
        "date",
        "station",
        "start_time",
        "end_time",
        "theme",
        "leader_name",
        "status",
        "visitors",
    )
    # Not by station: 5,000 links in the sidebar. The search finds a station by name.
    list_filter = ("status", "station__kind")
    search_fields = ("station__name", "theme", "leader_name")
    ordering = ("-date", "station__name")
    date_hierarchy = "date"
    autocomplete_fields = ("station", "rule")
    list_select_related = ("station",)
    inlines = (DutyAssignmentInline,)
    # The log's who and when are stamped by the logging service, not typed in.
    readonly_fields = ("logged_at", "logged_by", "version")
    fieldsets = (
        (None, {"fields": ("station", "rule", "date", ("start_time", "end_time"), "theme")}),
        (_("Announcement"), {"fields": ("announcement", "leader_name")}),
        (_("Status"), {"fields": ("status", "cancel_reason")}),
        (_("Log"), {"fields": ("visitors", "log_notes", "logged_at", "logged_by", "version")}),
    )


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(OfficeModelAdmin):
    list_display = ("reception_day", "delegate", "attended")
    list_filter = ("attended", "reception_day__station__kind")
    search_fields = ("delegate__name", "delegate__name_pinyin", "reception_day__station__name")
    ordering = ("-reception_day__date", "delegate__name_pinyin")
    autocomplete_fields = ("reception_day", "delegate")
    list_select_related = ("reception_day__station", "delegate")
    date_hierarchy = "reception_day__date"
