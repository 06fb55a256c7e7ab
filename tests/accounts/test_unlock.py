"""The office unlocks an account locked after too many failed logins, as the lockout page
promises; nobody else can."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG = "Wrong-pass-2026!"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _lock(user):
    resident_side = Client()
    for _ in range(5):
        _login(resident_side, user.username, WRONG)
    assert _login(resident_side, user.username, PASSWORD).status_code == 429
    return resident_side


def test_the_office_sees_and_unlocks_a_locked_account(client, office_user, station_staff_user):
    locked_out = _lock(station_staff_user)
    client.force_login(office_user)

    page = client.get(reverse("accounts:locked"))
    assert page.status_code == 200
    assert station_staff_user.username in page.content.decode()

    response = client.post(
        reverse("accounts:locked"), {"username": station_staff_user.username}, follow=True
    )
    assert station_staff_user.username not in [
        row["username"] for row in response.context["locked"]
    ]
    assert AuditEvent.objects.filter(
        action="account.unlock", actor=office_user, object_id=station_staff_user.username
    ).exists()
    # The person logs in again at once.
    assert _login(locked_out, station_staff_user.username, PASSWORD).status_code == 302


def test_the_office_home_links_to_it(client, office_user):
    client.force_login(office_user)
    assert reverse("accounts:locked") in client.get(reverse("accounts:home")).content.decode()


def test_unlocking_an_account_that_is_not_locked_says_so(client, office_user):
    client.force_login(office_user)
    response = client.post(reverse("accounts:locked"), {"username": "nobody"}, follow=True)
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="account.unlock").exists()


def test_no_one_but_the_office_may(client, station_staff_user, delegate_user):
    for user in (station_staff_user, delegate_user):
        client.force_login(user)
        assert client.get(reverse("accounts:locked")).status_code == 403
        assert client.post(reverse("accounts:locked"), {"username": "x"}).status_code == 403
    client.logout()
    assert client.get(reverse("accounts:locked")).status_code == 302
