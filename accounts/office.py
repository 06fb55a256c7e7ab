"""The congress office's permission group: what office accounts may configure in the admin.

The admin checks Django model permissions on top of ``OfficeOnlyAdminMixin``'s role check, so
every office account belongs to one group holding the permissions below. This list is the one
place that says what the office configures: a migration calls ``office_group_sync`` with its
historical ``apps`` (0006 creates the group), and a later migration that extends the list calls
it again. ``user_sync_office_group`` (accounts.services) keeps accounts in step with their role.

Never a delete permission on records the loop or the audit writes (events, ballots, audit
records, suggestions), nor on stations, delegates, units or categories, which carry history:
those are deactivated, not deleted.
"""

OFFICE_GROUP_NAME = "人大常委会办公室"

_CONFIGURE = ("add", "change", "view")
_CONFIGURE_AND_DELETE = ("add", "change", "view", "delete")

OFFICE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    # Areas, stations, the holiday calendar and the reception rules.
    "stations.region": _CONFIGURE,
    "stations.station": _CONFIGURE,
    "stations.calendaryear": _CONFIGURE_AND_DELETE,
    "stations.calendarday": _CONFIGURE_AND_DELETE,
    "stations.receptionrule": _CONFIGURE_AND_DELETE,
    # Reception days and duties are kept by the stations' pages and services.
    "stations.receptionday": ("view",),
    "stations.dutyassignment": ("view",),
    # Delegates with their mandates, terms, constituencies, groups and station memberships.
    "delegates.delegate": _CONFIGURE,
    "delegates.mandate": _CONFIGURE_AND_DELETE,
    "delegates.term": _CONFIGURE,
    "delegates.constituency": _CONFIGURE,
    "delegates.delegategroup": _CONFIGURE_AND_DELETE,
    "delegates.stationmembership": _CONFIGURE_AND_DELETE,
    "delegates.yearlytarget": _CONFIGURE_AND_DELETE,
    "delegates.activity": ("view",),
    "delegates.annualreport": ("view",),
    # Categories with their default units, and the handling units.
    "suggestions.category": _CONFIGURE,
    "suggestions.handlingunit": _CONFIGURE,
    # The loop and its children: read only (their admins refuse any write anyway).
    "suggestions.suggestion": ("view",),
    "suggestions.suggestionevent": ("view",),
    # Meetings are run from the portal's meeting pages; the admin shows them.
    "meetings.meeting": ("view",),
    "meetings.topic": ("view",),
    # Accounts: view only, so the admin's account pickers (station staff, unit members, a
    # delegate's login) can search them. Roles and passwords are changed on the office's pages.
    "accounts.user": ("view",),
    "accounts.auditevent": ("view",),
}


def office_permission_codenames() -> list[tuple[str, str, str]]:
    """(app label, model name, codename) of every permission the office group holds."""
    rows = []
    for label, actions in OFFICE_PERMISSIONS.items():
        app_label, model_name = label.split(".")
        rows += [(app_label, model_name, f"{action}_{model_name}") for action in actions]
    return rows


def office_group_sync(apps=None, *, add_office_accounts: bool = True):
    """Create the office group if needed and give it exactly the permissions listed above;
    with ``add_office_accounts``, put every active office account in it (with ``is_staff``:
    the admin admits staff only).

    ``apps`` is a migration's historical registry (``None``: the live models). Permissions a
    fresh database has not created yet (they appear after ``migrate``) are created here the
    way Django's post_migrate hook names them.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    User = apps.get_model("accounts", "User")

    group, _created = Group.objects.get_or_create(name=OFFICE_GROUP_NAME)
    wanted = []
    for app_label, model_name, codename in office_permission_codenames():
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            # Replayed by an early migration before this model existed: a later one adds it.
            continue
        content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
        action = codename.split("_", 1)[0]
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type,
            codename=codename,
            defaults={"name": f"Can {action} {model._meta.verbose_name_raw}"[:255]},
        )
        wanted.append(permission)
    group.permissions.set(wanted)
    if add_office_accounts:
        office = User.objects.filter(role="office", is_active=True)
        office.filter(is_staff=False).update(is_staff=True)
        group.user_set.add(*office)
    return group
