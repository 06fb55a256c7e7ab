"""The congress office configures the portal's reference data in the admin: its permission
group (made by a migration), what it may open and add, and that nobody else gets in."""

import importlib

import pytest
from django.apps import apps as live_apps
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import Role
from accounts.office import OFFICE_GROUP_NAME, OFFICE_PERMISSIONS, office_permission_codenames
from accounts.services import user_sync_office_group
from stations.models import Region, Station
from suggestions.demo import office_account_setup
from suggestions.models import Category
from tests.accounts.factories import (
    DelegateUserFactory,
    OfficeUserFactory,
    StationStaffUserFactory,
    UnitStaffUserFactory,
    UserFactory,
)
from tests.stations.factories import StreetFactory
from tests.suggestions.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db

CONFIGURED = [label for label, actions in OFFICE_PERMISSIONS.items() if "add" in actions]
VIEWED = list(OFFICE_PERMISSIONS)
# The models the brief names: each must be configurable, not only viewable.
MUST_CONFIGURE = {
    "stations.region",
    "stations.station",
    "stations.calendaryear",
    "stations.calendarday",
    "stations.receptionrule",
    "delegates.delegate",
    "delegates.mandate",
    "delegates.term",
    "delegates.constituency",
    "delegates.delegategroup",
    "delegates.stationmembership",
    "delegates.yearlytarget",
    "suggestions.category",
    "suggestions.handlingunit",
}
NEVER_DELETED = {
    "suggestions.suggestion",
    "suggestions.suggestionevent",
    "accounts.auditevent",
    "meetings.ballot",
    "meetings.ballotmark",
    "stations.station",
    "delegates.delegate",
    "suggestions.category",
    "suggestions.handlingunit",
}


@pytest.fixture
def office(db):
    """The office account as seed_demo builds it."""
    return office_account_setup(OfficeUserFactory(username="office"))


def _url(label, view):
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}")


def test_the_permission_list_configures_every_reference_model_and_deletes_no_history():
    assert MUST_CONFIGURE <= set(CONFIGURED)
    for label, actions in OFFICE_PERMISSIONS.items():
        assert "view" in actions
        if label in NEVER_DELETED:
            assert "delete" not in actions, label


def test_the_migration_made_the_group_with_exactly_the_listed_permissions():
    group = Group.objects.get(name=OFFICE_GROUP_NAME)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == {(app, codename) for app, _model, codename in office_permission_codenames()}


def test_the_migration_puts_existing_office_accounts_in_the_group():
    Group.objects.filter(name=OFFICE_GROUP_NAME).delete()
    office = OfficeUserFactory()
    retired = OfficeUserFactory(is_active=False)
    staff = StationStaffUserFactory()
    migration = importlib.import_module("accounts.migrations.0006_office_permission_group")

    migration.create_office_group(live_apps, None)

    group = Group.objects.get(name=OFFICE_GROUP_NAME)
    assert set(group.user_set.all()) == {office}
    office.refresh_from_db()
    assert office.is_staff
    assert not retired.groups.exists() and not staff.groups.exists()
    # Run again (a later migration extending the list): nothing doubles.
    migration.create_office_group(live_apps, None)
    assert Group.objects.filter(name=OFFICE_GROUP_NAME).count() == 1
    assert group.user_set.count() == 1


def test_an_account_made_office_later_joins_the_group_and_leaves_it_with_the_role():
    user = UserFactory(role=Role.DELEGATE)
    user_sync_office_group(user=user)
    assert not user.groups.exists()

    user.role = Role.OFFICE
    user.save()
    user_sync_office_group(user=user)
    assert user.groups.filter(name=OFFICE_GROUP_NAME).exists()
    assert user.is_staff
    assert user.has_perm("stations.add_station")

    user.role = Role.STATION_STAFF
    user.save()
    user_sync_office_group(user=user)
    assert not user.groups.exists()


def test_an_office_account_saved_in_the_admin_stays_in_the_group(client, office):
    other = OfficeUserFactory()
    client.force_login(office)
    response = client.post(
        reverse("admin:accounts_user_change", args=[other.pk]),
        {
            "username": other.username,
            "full_name": other.full_name,
            "phone": "",
            "email": "",
            "role": Role.OFFICE,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    # The office views accounts but does not change them here (their pages do).
    assert response.status_code == 403
    assert not other.groups.exists()
    office.is_superuser = True
    office.save()
    response = client.post(
        reverse("admin:accounts_user_change", args=[other.pk]),
        {
            "username": other.username,
            "full_name": other.full_name,
            "phone": "",
            "email": "",
            "role": Role.OFFICE,
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert other.groups.filter(name=OFFICE_GROUP_NAME).exists()


def test_office_opens_the_admin_index_with_the_configuration_apps(client, office):
    client.force_login(office)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert {"stations", "delegates", "suggestions"} <= apps


@pytest.mark.parametrize("label", VIEWED)
def test_office_opens_each_changelist(client, office, label):
    client.force_login(office)
    assert client.get(_url(label, "changelist")).status_code == 200


@pytest.mark.parametrize("label", CONFIGURED)
def test_office_opens_each_add_page(client, office, label):
    client.force_login(office)
    response = client.get(_url(label, "add"))
    assert response.status_code == 200
    # No picker over stations, delegates, areas, units or accounts is a <select> of rows.
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        related = getattr(field, "queryset", None)
        if related is not None and related.model._meta.label_lower in {
            "stations.station",
            "stations.region",
            "delegates.delegate",
            "suggestions.handlingunit",
            "accounts.user",
            "delegates.delegategroup",
        }:
            assert "admin-autocomplete" in field.widget.render(name, None), (label, name)


def test_office_adds_a_station_in_the_admin(client, office):
    street = StreetFactory()
    client.force_login(office)
    response = client.post(
        _url("stations.station", "add"),
        {
            "name": "新港社区代表工作站",
            "kind": Station.Kind.WORK,
            "region": street.pk,
            "address": "新港路1号",
            "is_active": "on",
            "manager_name": "",
            "manager_title": "",
            "phone": "",
            "opening_hours": "",
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "rules-TOTAL_FORMS": "0",
            "rules-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Station.objects.get(name="新港社区代表工作站").region == street


def test_office_adds_an_area_and_a_category_with_its_default_unit(client, office):
    unit = HandlingUnitFactory()
    street = StreetFactory()
    client.force_login(office)
    response = client.post(
        _url("stations.region", "add"),
        {"name": "新港社区", "kind": Region.Kind.COMMUNITY, "parent": street.pk, "code": ""},
    )
    assert response.status_code == 302
    assert Region.objects.get(name="新港社区").parent == street
    response = client.post(
        _url("suggestions.category", "add"),
        {
            "name": "养老服务",
            "description": "",
            "default_unit": unit.pk,
            "position": "9",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Category.objects.get(name="养老服务").default_unit == unit


def test_the_admin_pickers_search_stations_for_the_office(client, office):
    StreetFactory(name="新港街道")
    client.force_login(office)
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "新港",
            "app_label": "stations",
            "model_name": "station",
            "field_name": "region",
        },
    )
    assert response.status_code == 200
    assert [row["text"] for row in response.json()["results"]] == ["新港街道"]


@pytest.mark.parametrize(
    "factory", [StationStaffUserFactory, DelegateUserFactory, UnitStaffUserFactory]
)
def test_other_roles_get_no_admin_even_with_staff_status_and_the_group(client, factory):
    user = factory()
    client.force_login(user)
    # As made: no staff status, the admin sends them to its login.
    assert client.get(reverse("admin:index")).status_code == 302
    # Even given staff status and the office group by mistake, the role keeps them out.
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=OFFICE_GROUP_NAME))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert response.context["app_list"] == []
    assert client.get(_url("stations.station", "changelist")).status_code == 403
    assert client.get(_url("suggestions.category", "add")).status_code == 403
