"""The admin of accounts and the audit log, and the admin helpers the other apps share.

The admin is the congress office's tool (DESIGN.md: office = configuration, sees everything).
It bypasses the role-scoping selectors, so every model admin here admits office accounts only,
even if a station, delegate or unit account were given ``is_staff`` and model permissions.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from congress_portal.masking import mask_phone
from stations.models import Station
from suggestions.models import HandlingUnit

from .models import AuditEvent, EnrolmentToken, User
from .services import audit_record, user_sync_office_group


def _is_office(request) -> bool:
    # The login page builds the app list for an anonymous user, who has no ``is_office``.
    return getattr(request.user, "is_office", False)


class OfficeOnlyAdminMixin:
    """Admit office accounts (and superusers) only: the admin sees all stations' data."""

    def has_module_permission(self, request):
        return _is_office(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_office(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return _is_office(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return _is_office(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_office(request) and super().has_delete_permission(request, obj)


class OfficeModelAdmin(OfficeOnlyAdminMixin, admin.ModelAdmin):
    """A model admin for the congress office.

    Province scale (10,000 areas, 5,000 stations, 20,000 delegates): pages of 50 rows, and no
    second COUNT(*) of the whole table beside the filtered one. Every foreign key and
    many-to-many to stations, delegates, areas, units or accounts is an ``autocomplete_fields``
    picker (a searching box), never a ``<select>`` of every row.
    """

    list_per_page = 50
    show_full_result_count = False


class ReadOnlyModelAdmin(OfficeModelAdmin):
    """View only: records written by services (events, ballots, the loop's children).

    No add, change or delete, and no bulk actions (``delete_selected`` included).
    """

    actions = None

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(OfficeOnlyAdminMixin, admin.TabularInline):
    """An inline that lists children without letting anyone add, edit or delete them."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(OfficeOnlyAdminMixin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "email")}),
        (_("Role and scope"), {"fields": ("role", "staffed_station_list", "unit_list")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "role",
                    "phone",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = (
        "password_changed_at",
        "last_login",
        "date_joined",
        "staffed_station_list",
        "unit_list",
    )
    list_display = (
        "username",
        "full_name",
        "role",
        "masked_phone",
        "staffed_station_list",
        "unit_list",
        "is_active",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "full_name", "email")
    list_per_page = 50
    show_full_result_count = False
    ordering = ("username",)

    def get_queryset(self, request):
        # The scope columns: two prefetches for the whole page instead of two queries per row.
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("staffed_stations", queryset=Station.objects.only("id", "name")),
                Prefetch("handling_units", queryset=HandlingUnit.objects.only("id", "name")),
            )
        )

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    @admin.display(description=_("staffs stations"))
    def staffed_station_list(self, obj):
        if obj.pk is None:
            return ""
        return ", ".join(station.name for station in obj.staffed_stations.all())

    @admin.display(description=_("member of units"))
    def unit_list(self, obj):
        if obj.pk is None:
            return ""
        return ", ".join(unit.name for unit in obj.handling_units.all())

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Role and privilege changes are audited (SECURITY.md 13).
        watched = {"role", "is_active", "is_staff", "is_superuser"}
        changed = sorted(watched & set(form.changed_data)) if change else []
        if changed:
            audit_record(
                action="role_change",
                request=request,
                obj=obj,
                detail={
                    name: {"from": form.initial.get(name), "to": getattr(obj, name)}
                    for name in changed
                },
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the form's own groups are saved: an office account is always in the office
        # group, another account never.
        user_sync_office_group(user=form.instance)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        # A successful POST redirects; the audit never holds the password itself.
        if request.method == "POST" and response.status_code == 302:
            audit_record(
                action="password_reset_by_office",
                request=request,
                object_type=User._meta.label_lower,
                object_id=str(id),
            )
        return response


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = (
        "created_at",
        "action",
        "outcome",
        "actor_label",
        "actor_role",
        "ip_address",
        "object_type",
        "object_id",
    )
    list_filter = ("action", "outcome", "actor_role", "object_type")
    search_fields = ("actor_label", "object_id")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    fields = (
        "created_at",
        "action",
        "outcome",
        "actor_label",
        "actor_role",
        "ip_address",
        "object_type",
        "object_id",
        "detail",
    )
    # The snapshot ``actor_label`` is shown instead of the ``actor`` link: no join per row.
    show_full_result_count = False


@admin.register(EnrolmentToken)
class EnrolmentTokenAdmin(ReadOnlyModelAdmin):
    """Who was issued a token by whom, and whether it was used. Tokens are issued and revoked
    on the office's enrolment page (accounts:enrolment) or by command; only hashes are kept."""

    list_display = ("user", "issued_by", "created_at", "expires_at", "used_at")
    list_select_related = ("user", "issued_by")
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    fields = ("user", "issued_by", "created_at", "expires_at", "used_at")
    show_full_result_count = False
