"""Office and admin accounts confirm each login with a TOTP code (SECURITY.md 5)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent
from tests.accounts.factories import OfficeUserFactory, StationStaffUserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Qmzvtrk7Xwpa"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.PORTAL_OFFICE_OTP = True
    # django-otp slows retries after a wrong code (1 s, 2 s, 4 s …); the tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _login(client, user):
    user.set_password(PASSWORD)
    user.save()
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})


def _code(device, offset=0):
    value = totp(device.bin_key, t0=device.t0, step=device.step, drift=offset)
    return f"{value:06d}"


def test_an_office_login_sets_up_the_app_then_needs_a_code_every_time(client):
    office = OfficeUserFactory()
    _login(client, office)
    desk = reverse("suggestions:desk")
    response = client.get(desk)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))

    setup = client.get(response["Location"])
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    secret = re.search(r'portal-otp-secret">([A-Z2-7 ]+)<', setup.content.decode()).group(1)
    assert secret.replace(" ", "")  # the key is shown for typing

    wrong = client.post(reverse("accounts:second_factor"), {"token": "000000", "next": desk})
    assert wrong.status_code == 200 and client.get(desk).status_code == 302
    assert AuditEvent.objects.filter(action="otp.failed").exists()

    right = client.post(reverse("accounts:second_factor"), {"token": _code(device), "next": desk})
    assert right.status_code == 302 and right["Location"] == desk
    assert client.get(desk).status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    client.post(reverse("accounts:logout"))
    _login(client, office)
    assert client.get(desk).status_code == 302
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "<svg" not in page  # set up already: only the code is asked for
    # A code is accepted once: the next login uses the next step's code.
    device.refresh_from_db()
    client.post(reverse("accounts:second_factor"), {"token": _code(device, 1)})
    assert client.get(desk).status_code == 200


def test_other_roles_need_no_second_factor(client):
    _login(client, StationStaffUserFactory())
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_next_url_to_another_site_is_ignored(client):
    office = OfficeUserFactory()
    _login(client, office)
    device = TOTPDevice.objects.create(user=office, name="app", confirmed=True)
    response = client.post(
        reverse("accounts:second_factor"),
        {"token": _code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("accounts:home")
