import json

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from tests.accounts.factories import PASSWORD, StationStaffUserFactory

pytestmark = pytest.mark.django_db

WRONG = "Wrong-pass-2026!"


def _login(client, username, password, ip="127.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_the_right_password_logs_in_and_is_audited(client, station_staff_user):
    response = _login(client, station_staff_user.username, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(station_staff_user.pk)
    assert AuditEvent.objects.filter(
        action="login", actor=station_staff_user, outcome=AuditEvent.Outcome.SUCCESS
    ).exists()


def test_a_wrong_password_is_refused_and_audited_without_the_password(client, station_staff_user):
    response = _login(client, station_staff_user.username, WRONG)

    assert response.status_code == 200
    assert _logged_in_user_id(client) is None
    failure = AuditEvent.objects.get(action="login_failed")
    assert failure.outcome == AuditEvent.Outcome.FAILURE
    assert failure.detail["username"] == station_staff_user.username
    assert failure.ip_address == "127.0.0.1"
    assert WRONG not in json.dumps(failure.detail)


def test_unknown_user_and_wrong_password_get_the_same_answer(client, station_staff_user):
    wrong_password = _login(client, station_staff_user.username, WRONG)
    unknown_user = _login(client, "nobody-here", WRONG)

    errors = wrong_password.context["form"].non_field_errors()
    assert errors
    assert unknown_user.context["form"].non_field_errors() == errors
    assert unknown_user.status_code == wrong_password.status_code == 200


def test_logout_ends_the_session_and_is_audited(client, station_staff_user):
    _login(client, station_staff_user.username, PASSWORD)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert _logged_in_user_id(client) is None
    assert AuditEvent.objects.filter(action="logout", actor=station_staff_user).exists()


def test_five_failures_lock_the_account_even_against_the_right_password(client, station_staff_user):
    for _ in range(5):
        _login(client, station_staff_user.username, WRONG)

    response = _login(client, station_staff_user.username, PASSWORD)

    assert response.status_code == 429
    assert _logged_in_user_id(client) is None
    assert not AuditEvent.objects.filter(action="login").exists()


def test_four_failures_do_not_lock_the_account(client, station_staff_user):
    for _ in range(4):
        _login(client, station_staff_user.username, WRONG)

    response = _login(client, station_staff_user.username, PASSWORD)

    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(station_staff_user.pk)


def test_a_lockout_is_audited(client, station_staff_user):
    for _ in range(5):
        _login(client, station_staff_user.username, WRONG)

    lockout = AuditEvent.objects.get(action="lockout")
    assert lockout.outcome == AuditEvent.Outcome.DENIED
    assert lockout.detail["username"] == station_staff_user.username


def test_a_lockout_holds_one_user_at_one_address_only(client, station_staff_user):
    colleague = StationStaffUserFactory()
    for _ in range(5):
        _login(client, station_staff_user.username, WRONG)

    assert _login(client, colleague.username, PASSWORD).status_code == 302
    client.logout()
    other_address = _login(client, station_staff_user.username, PASSWORD, ip="10.1.2.3")
    assert other_address.status_code == 302
    assert _logged_in_user_id(client) == str(station_staff_user.pk)
