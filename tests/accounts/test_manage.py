"""The office's staff-account pages: create with a one-time password, edit, deactivate."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import AuditEvent, Role, User
from suggestions.models import State
from tests.accounts.factories import (
    PASSWORD,
    DelegateUserFactory,
    OfficeUserFactory,
    StationStaffUserFactory,
    UnitStaffUserFactory,
)
from tests.delegates.factories import DelegateFactory
from tests.suggestions.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zr8#pL-uq4Wn-Ty2"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


def test_office_creates_a_unit_staff_account_that_logs_in_and_sees_the_units_desk(
    office, handling_unit, walk_to
):
    suggestion = walk_to(State.DISPATCHED)

    response = office.post(
        reverse("accounts:manage_new"),
        {
            "username": "zhangke",
            "full_name": "张科员",
            "phone": "13912345678",
            "role": Role.UNIT_STAFF,
            "units": [handling_unit.pk],
        },
    )

    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")
    account = User.objects.get(username="zhangke")
    assert list(account.handling_units.all()) == [handling_unit]
    assert account.check_password(password)
    assert AuditEvent.objects.filter(action="account.create", object_id=str(account.pk)).exists()

    person = Client()
    assert _login(person, "zhangke", password).status_code == 302
    # The initial password must be replaced before anything else.
    assert person.get(reverse("suggestions:desk")).url == reverse("accounts:password_change")
    changed = person.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    desk = person.get(reverse("suggestions:desk"))
    assert desk.status_code == 200
    assert suggestion.title in desk.content.decode()
    assert person.get(reverse("suggestions:desk_detail", args=[suggestion.pk])).status_code == 200


def test_initial_passwords_pass_the_validators_and_differ():
    user = User(username="someone", full_name="某人")
    first, second = services.initial_password(user), services.initial_password(user)

    assert first != second
    assert len(first) >= 12
    assert re.search(r"[A-Z]", first) and re.search(r"[a-z]", first) and re.search(r"\d", first)


def test_station_staff_account_gets_its_stations(office, station):
    response = office.post(
        reverse("accounts:manage_new"),
        {
            "username": "lizhan",
            "full_name": "李站",
            "role": Role.STATION_STAFF,
            "stations": [station.pk],
        },
    )

    assert response.status_code == 200
    assert list(User.objects.get(username="lizhan").staffed_stations.all()) == [station]


def test_delegate_account_is_linked_to_its_delegate(office):
    delegate = DelegateFactory(user=None)

    office.post(
        reverse("accounts:manage_new"),
        {
            "username": "daibiao",
            "full_name": delegate.name,
            "role": Role.DELEGATE,
            "delegate": delegate.pk,
        },
    )

    delegate.refresh_from_db()
    assert delegate.user.username == "daibiao"


def test_a_delegate_with_an_account_cannot_get_a_second_one(office, delegate):
    response = office.post(
        reverse("accounts:manage_new"),
        {"username": "second", "full_name": "二号", "role": Role.DELEGATE, "delegate": delegate.pk},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["delegate"]
    assert not User.objects.filter(username="second").exists()


def test_duplicate_username_is_a_form_error(office, unit_staff_user, handling_unit):
    response = office.post(
        reverse("accounts:manage_new"),
        {
            "username": unit_staff_user.username,
            "full_name": "重名",
            "role": Role.UNIT_STAFF,
            "units": [handling_unit.pk],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors["username"]
    assert User.objects.filter(username=unit_staff_user.username).count() == 1


@pytest.mark.parametrize(
    ("role", "field"),
    [(Role.UNIT_STAFF, "units"), (Role.STATION_STAFF, "stations"), (Role.DELEGATE, "delegate")],
)
def test_a_role_without_its_scope_is_a_form_error(office, role, field):
    response = office.post(
        reverse("accounts:manage_new"), {"username": "noscope", "full_name": "无", "role": role}
    )

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not User.objects.filter(username="noscope").exists()


@pytest.mark.parametrize(
    "bad", ["a b", "x" * 151, "名\x00字", ""], ids=["space", "long", "nul", "empty"]
)
def test_bad_usernames_are_form_errors(office, handling_unit, bad):
    response = office.post(
        reverse("accounts:manage_new"),
        {"username": bad, "full_name": "某", "role": Role.UNIT_STAFF, "units": [handling_unit.pk]},
    )

    assert response.status_code == 400
    assert User.objects.filter(role=Role.UNIT_STAFF).count() == 0


def test_office_account_is_pointed_to_the_enrolment_page(office):
    response = office.post(
        reverse("accounts:manage_new"),
        {"username": "bangong", "full_name": "办公室", "role": Role.OFFICE},
    )

    assert response.status_code == 200
    assert reverse("accounts:enrolment") in response.content.decode()


def test_an_office_account_made_here_configures_in_the_admin_until_its_role_changes(
    office, handling_unit
):
    """Made on the office's page, an office account joins the office's permission group (it can
    add a station in the admin); made a unit's staff, or deactivated, it leaves it."""
    from accounts.office import OFFICE_GROUP_NAME

    office.post(
        reverse("accounts:manage_new"),
        {"username": "bangong2", "full_name": "办公室二", "role": Role.OFFICE},
    )
    made = User.objects.get(username="bangong2")
    assert made.groups.filter(name=OFFICE_GROUP_NAME).exists()
    made.set_password(NEW_PASSWORD)  # the initial one must be replaced before any page
    made.save()
    colleague = Client()
    colleague.force_login(made)
    assert colleague.get(reverse("admin:stations_station_add")).status_code == 200

    response = office.post(
        reverse("accounts:manage_edit", args=[made.pk]),
        {"full_name": "办公室二", "role": Role.UNIT_STAFF, "units": [handling_unit.pk]},
    )
    assert response.status_code == 302
    assert not made.groups.filter(name=OFFICE_GROUP_NAME).exists()
    assert colleague.get(reverse("admin:stations_station_add")).status_code != 200


def test_edit_changes_role_and_swaps_the_scope_links(office, station_staff_user, handling_unit):
    response = office.post(
        reverse("accounts:manage_edit", args=[station_staff_user.pk]),
        {"full_name": "新名字", "phone": "", "role": Role.UNIT_STAFF, "units": [handling_unit.pk]},
    )

    assert response.status_code == 302
    station_staff_user.refresh_from_db()
    assert station_staff_user.role == Role.UNIT_STAFF
    assert station_staff_user.full_name == "新名字"
    assert not station_staff_user.staffed_stations.exists()
    assert list(station_staff_user.handling_units.all()) == [handling_unit]
    event = AuditEvent.objects.get(action="account.update")
    assert event.detail["previous_role"] == Role.STATION_STAFF


def test_office_cannot_change_its_own_role(office, office_user):
    response = office.post(
        reverse("accounts:manage_edit", args=[office_user.pk]),
        {"full_name": "我", "role": Role.STATION_STAFF},
    )

    assert response.status_code == 400
    office_user.refresh_from_db()
    assert office_user.role == Role.OFFICE


def test_deactivated_account_cannot_log_in_and_its_session_ends(office, unit_staff_user):
    logged_in = Client()
    assert _login(logged_in, unit_staff_user.username, PASSWORD).status_code == 302
    assert logged_in.get(reverse("accounts:home")).status_code == 200

    page = office.get(reverse("accounts:manage_deactivate", args=[unit_staff_user.pk]))
    assert page.status_code == 200
    response = office.post(reverse("accounts:manage_deactivate", args=[unit_staff_user.pk]))

    assert response.status_code == 302
    unit_staff_user.refresh_from_db()
    assert not unit_staff_user.is_active
    assert AuditEvent.objects.filter(action="account.deactivate").count() == 1
    # The open session ends at its next page; a new login is refused.
    assert logged_in.get(reverse("accounts:home")).status_code == 302
    assert _login(Client(), unit_staff_user.username, PASSWORD).status_code == 200
    # Nothing deleted: the unit link stays, and it can come back.
    assert unit_staff_user.handling_units.exists()
    office.post(reverse("accounts:manage_reactivate", args=[unit_staff_user.pk]))
    assert _login(Client(), unit_staff_user.username, PASSWORD).status_code == 302


def test_deactivated_actor_name_stays_in_the_trail(office, walk_to, unit_staff_user):
    suggestion = walk_to(State.IN_PROGRESS)
    office.post(reverse("accounts:manage_deactivate", args=[unit_staff_user.pk]))

    page = office.get(reverse("suggestions:desk_detail", args=[suggestion.pk]))

    assert page.status_code == 200
    assert unit_staff_user.full_name in page.content.decode()


def test_the_last_member_of_a_unit_is_warned_about(office, unit_staff_user):
    page = office.get(reverse("accounts:manage_deactivate", args=[unit_staff_user.pk]))

    assert b'id="deactivate-last-member"' in page.content


def test_office_cannot_deactivate_itself(office, office_user):
    office.post(reverse("accounts:manage_deactivate", args=[office_user.pk]))

    office_user.refresh_from_db()
    assert office_user.is_active


def test_a_new_initial_password_replaces_the_old_one(office, unit_staff_user):
    response = office.post(reverse("accounts:manage_password", args=[unit_staff_user.pk]))

    password = response.context["password"]
    assert _login(Client(), unit_staff_user.username, PASSWORD).status_code == 200
    assert _login(Client(), unit_staff_user.username, password).status_code == 302
    assert AuditEvent.objects.filter(action="account.password_issued").count() == 1


def test_the_office_cannot_manage_an_administrator(office):
    admin = User.objects.create_superuser("root", password=PASSWORD)

    office.post(reverse("accounts:manage_deactivate", args=[admin.pk]))

    admin.refresh_from_db()
    assert admin.is_active


def test_list_searches_filters_and_masks_phones(office):
    UnitStaffUserFactory(username="wang01", full_name="王科长", phone="13812345678")
    StationStaffUserFactory(username="li02", full_name="李站长", phone="13987654321")
    DelegateUserFactory(username="zhao03", is_active=False)

    everyone = office.get(reverse("accounts:manage"))
    html = everyone.content.decode()
    assert "138****5678" in html
    assert not re.search(r"1[3-9]\d{9}", html)

    found = office.get(reverse("accounts:manage"), {"q": "王科"})
    assert [row["user"].username for row in found.context["accounts"]] == ["wang01"]
    by_role = office.get(reverse("accounts:manage"), {"role": Role.STATION_STAFF})
    assert [row["user"].username for row in by_role.context["accounts"]] == ["li02"]
    inactive = office.get(reverse("accounts:manage"), {"active": "0"})
    assert [row["user"].username for row in inactive.context["accounts"]] == ["zhao03"]


def test_list_is_paged_with_a_fixed_number_of_queries(office, django_assert_max_num_queries):
    UnitStaffUserFactory.create_batch(70)

    with django_assert_max_num_queries(7):  # session, user, count, page + a session stamp
        response = office.get(reverse("accounts:manage"), {"page": 2})

    assert response.status_code == 200
    assert len(response.context["accounts"]) == 21  # 70 + the office, 50 a page


def test_edit_page_has_a_fixed_number_of_queries(
    office, unit_staff_user, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        response = office.get(reverse("accounts:manage_edit", args=[unit_staff_user.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("who", ["station_staff_user", "delegate_user", "unit_staff_user"])
@pytest.mark.parametrize(
    "name", ["manage", "manage_new", "manage_edit", "manage_deactivate", "manage_password"]
)
def test_other_roles_get_403(client, request, who, name, unit_staff_user):
    client.force_login(request.getfixturevalue(who))
    args = [] if name in ("manage", "manage_new") else [unit_staff_user.pk]
    url = reverse(f"accounts:{name}", args=args)

    response = client.post(url) if name == "manage_password" else client.get(url)

    assert response.status_code == 403


def test_services_refuse_a_non_office_actor(station_staff_user, handling_unit):
    with pytest.raises(services.NotAllowed):
        services.user_create(
            actor=station_staff_user, username="x", role=Role.UNIT_STAFF, units=[handling_unit]
        )


def test_the_office_home_links_both_pages(office):
    html = office.get(reverse("accounts:home")).content.decode()

    assert reverse("accounts:manage") in html
    assert reverse("suggestions:units") in html


def test_the_create_link_of_a_unit_preselects_it(office):
    unit = HandlingUnitFactory()

    response = office.get(reverse("accounts:manage_new"), {"role": "unit_staff", "unit": unit.pk})

    assert response.status_code == 200
    assert f'value="{unit.pk}" selected' in response.content.decode()


def test_another_office_user_can_create_accounts_too():
    second = OfficeUserFactory()
    user, _password = services.user_create(
        actor=second, username="via_service", role=Role.OFFICE, full_name="服务"
    )
    assert user.password_must_change
    assert user.password_expired
