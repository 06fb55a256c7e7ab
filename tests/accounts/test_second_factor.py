"""Office and admin accounts confirm each login with a TOTP code (SECURITY.md 5), and set up
their app only with a one-time enrolment token issued out of band (issue 13)."""

import base64
import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, EnrolmentToken
from accounts.second_factor import enrolment_token_issue
from congress_portal.clock import now
from tests.accounts.factories import OfficeUserFactory, StationStaffUserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Qmzvtrk7Xwpa"
PAGE = "accounts:second_factor"


@pytest.fixture(autouse=True)
def _in_english(client):
    # The messages are asserted in English, whatever the translations say.
    client.cookies["django_language"] = "en"


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.PORTAL_OFFICE_OTP = True
    # django-otp slows retries after a wrong code (1 s, 2 s, 4 s …); the tests retry at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def _login(client, user):
    user.set_password(PASSWORD)
    user.save()
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})


def _code(device, offset=0):
    value = totp(device.bin_key, t0=device.t0, step=device.step, drift=offset)
    return f"{value:06d}"


def _issue(user, by=None):
    """An enrolment token for ``user``, as another office account would issue it."""
    return enrolment_token_issue(user=user, actor=by or OfficeUserFactory(), via="test")


def _secret(page: str) -> str:
    return re.search(r'portal-otp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def _enrol(client, office, text):
    """Give the token, read the key off the page, confirm with the app's first code."""
    client.post(reverse(PAGE), {"enrolment_token": text})
    page = client.get(reverse(PAGE)).content.decode()
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    assert _secret(page) == base64.b32encode(device.bin_key).decode()
    return client.post(reverse(PAGE), {"token": _code(device)}), device


def test_a_first_office_login_without_a_token_sees_no_key(client):
    office = OfficeUserFactory()
    _login(client, office)
    response = client.get(reverse("suggestions:desk"))
    assert response["Location"].startswith(reverse(PAGE))
    page = client.get(response["Location"]).content.decode()
    assert "<svg" not in page and "portal-otp-secret" not in page
    assert 'name="enrolment_token"' in page
    # No key exists yet that anyone could have seen.
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert client.get(reverse("suggestions:desk")).status_code == 302


def test_a_key_from_the_old_first_login_is_never_shown_nor_kept(client):
    office = OfficeUserFactory()
    old = TOTPDevice.objects.create(user=office, name="app", confirmed=False)
    _login(client, office)
    page = client.get(reverse(PAGE)).content.decode()
    assert base64.b32encode(old.bin_key).decode()[:8] not in page.replace(" ", "")
    _token, text = _issue(office)
    client.post(reverse(PAGE), {"enrolment_token": text})
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    page = client.get(reverse(PAGE)).content.decode()
    assert _secret(page) != base64.b32encode(old.bin_key).decode()


def test_a_wrong_token_is_refused_and_audited(client):
    office = OfficeUserFactory()
    _issue(office)
    _login(client, office)
    response = client.post(reverse(PAGE), {"enrolment_token": "ABCD-EFGH-JKMN-PQRS-TUVW"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "portal-otp-secret" not in page and "<svg" not in page
    assert "not right, has expired or was used already" in page
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert AuditEvent.objects.filter(
        action="otp.token_refused", outcome=AuditEvent.Outcome.FAILURE, object_id=str(office.pk)
    ).exists()


def test_a_valid_token_shows_the_key_then_the_first_code_enrols_with_recovery_codes(client):
    office = OfficeUserFactory()
    token, text = _issue(office)
    _login(client, office)
    desk = reverse("suggestions:desk")
    # Typed loosely: lower case, spaces instead of dashes.
    response = client.post(
        reverse(PAGE), {"enrolment_token": text.lower().replace("-", " "), "next": desk}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    assert _secret(page) == base64.b32encode(device.bin_key).decode()

    wrong = client.post(reverse(PAGE), {"token": "000000", "next": desk})
    assert wrong.status_code == 200 and "portal-otp-secret" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="otp.failed").exists()

    right = client.post(reverse(PAGE), {"token": _code(device), "next": desk})
    assert right.status_code == 200
    assert right["Cache-Control"].startswith("max-age=0")
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", right.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "data-accounts-print" in right.content.decode()
    assert "<script>" not in right.content.decode()
    stored = set(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in codes}
    device.refresh_from_db()
    token.refresh_from_db()
    assert device.confirmed and token.used_at is not None
    assert client.get(desk).status_code == 200
    enrolled = AuditEvent.objects.get(action="otp.enrolled")
    assert enrolled.object_id == str(office.pk) and enrolled.detail["token"] == token.pk
    assert AuditEvent.objects.filter(action="otp.token_accepted").exists()

    # Next login: only the code is asked for.
    client.post(reverse("accounts:logout"))
    _login(client, office)
    page = client.get(reverse(PAGE)).content.decode()
    assert "<svg" not in page and "portal-otp-secret" not in page
    device.refresh_from_db()
    client.post(reverse(PAGE), {"token": _code(device, 1)})
    assert client.get(desk).status_code == 200


def test_a_token_works_once(client):
    office = OfficeUserFactory()
    _token, text = _issue(office)
    _login(client, office)
    response, _device = _enrol(client, office, text)
    assert response.status_code == 200
    # The phone is reset (say), but the old token does not come back to life.
    TOTPDevice.objects.filter(user=office).delete()
    client.post(reverse("accounts:logout"))
    _login(client, office)
    again = client.post(reverse(PAGE), {"enrolment_token": text})
    assert "not right, has expired or was used already" in again.content.decode()
    assert not TOTPDevice.objects.filter(user=office).exists()


def test_a_token_used_in_another_session_meanwhile_does_not_enrol_twice(client):
    office = OfficeUserFactory()
    _token, text = _issue(office)
    _login(client, office)
    client.post(reverse(PAGE), {"enrolment_token": text})
    first = TOTPDevice.objects.get(user=office, confirmed=False)
    other = Client()
    other.cookies["django_language"] = "en"
    other.post(reverse("accounts:login"), {"username": office.username, "password": PASSWORD})
    response, _device = _enrol(other, office, text)
    assert response.status_code == 200
    # The first session's key is gone (a fresh one was made for the second): refused.
    late = client.post(reverse(PAGE), {"token": _code(first)})
    assert late.status_code == 200 and "This code is not right" in late.content.decode()
    assert client.get(reverse("suggestions:desk")).status_code == 302
    assert TOTPDevice.objects.filter(user=office, confirmed=True).count() == 1


def test_a_token_issued_for_another_account_does_not_work(client):
    office, colleague = OfficeUserFactory(), OfficeUserFactory()
    _token, text = _issue(colleague)
    _login(client, office)
    response = client.post(reverse(PAGE), {"enrolment_token": text})
    assert "not right, has expired or was used already" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=office).exists()


def test_an_expired_token_is_refused(client):
    office = OfficeUserFactory()
    token, text = _issue(office)
    EnrolmentToken.objects.filter(pk=token.pk).update(
        expires_at=now() - datetime.timedelta(minutes=1)
    )
    _login(client, office)
    response = client.post(reverse(PAGE), {"enrolment_token": text})
    assert "not right, has expired or was used already" in response.content.decode()
    assert "portal-otp-secret" not in response.content.decode()


def test_a_token_expiring_after_it_was_given_does_not_enrol(client):
    office = OfficeUserFactory()
    token, text = _issue(office)
    _login(client, office)
    client.post(reverse(PAGE), {"enrolment_token": text})
    device = TOTPDevice.objects.get(user=office, confirmed=False)
    EnrolmentToken.objects.filter(pk=token.pk).update(
        expires_at=now() - datetime.timedelta(minutes=1)
    )
    response = client.post(reverse(PAGE), {"token": _code(device)})
    assert response.status_code == 200
    assert 'name="enrolment_token"' in response.content.decode()
    assert not TOTPDevice.objects.filter(user=office, confirmed=True).exists()


def test_enrolment_tokens_are_rate_limited_like_logins(client):
    office = OfficeUserFactory()
    _token, text = _issue(office)
    _login(client, office)
    for _ in range(5):
        client.post(reverse(PAGE), {"enrolment_token": "WRONG-WRONG"})
    limited = client.post(reverse(PAGE), {"enrolment_token": text})
    assert limited.status_code == 429
    assert "Too many tries" in limited.content.decode()
    assert not TOTPDevice.objects.filter(user=office).exists()
    assert AuditEvent.objects.filter(action="otp.token_refused").count() == 5


def test_a_recovery_code_logs_in_once(client):
    office = OfficeUserFactory()
    _token, text = _issue(office)
    _login(client, office)
    response, _device = _enrol(client, office, text)
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", response.content.decode())
    desk = reverse("suggestions:desk")

    client.post(reverse("accounts:logout"))
    _login(client, office)
    used = client.post(reverse(PAGE), {"token": codes[0].upper(), "next": desk}, follow=True)
    assert used.redirect_chain[0] == (desk, 302)
    assert "9 recovery codes are left" in used.content.decode()
    assert client.get(desk).status_code == 200
    audit = AuditEvent.objects.get(action="otp.recovery_used")
    assert audit.detail == {"remaining": 9} and audit.object_id == str(office.pk)

    client.post(reverse("accounts:logout"))
    _login(client, office)
    again = client.post(reverse(PAGE), {"token": codes[0], "next": desk})
    assert again.status_code == 200 and client.get(desk).status_code == 302
    assert StaticDevice.objects.get(user=office).token_set.count() == 9


def test_an_account_enrolled_before_tokens_keeps_logging_in_with_its_app(client):
    office = OfficeUserFactory()
    device = TOTPDevice.objects.create(user=office, name="app", confirmed=True)
    _login(client, office)
    response = client.post(reverse(PAGE), {"token": _code(device)})
    assert response.status_code == 302
    assert client.get(reverse("suggestions:desk")).status_code == 200


def test_other_roles_need_no_second_factor(client):
    _login(client, StationStaffUserFactory())
    assert client.get(reverse("accounts:home")).status_code == 200


def test_a_next_url_to_another_site_is_ignored(client):
    office = OfficeUserFactory()
    _login(client, office)
    device = TOTPDevice.objects.create(user=office, name="app", confirmed=True)
    response = client.post(
        reverse(PAGE),
        {"token": _code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("accounts:home")
