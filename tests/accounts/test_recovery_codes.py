"""An office account makes new recovery codes for its own second factor: the app's current code
confirms it, the old codes stop working, the new ones are shown once, and it is audited."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from accounts.models import AuditEvent
from tests.accounts.factories import OfficeUserFactory, StationStaffUserFactory
from tests.accounts.test_second_factor import _code, _enrol, _issue, _login

pytestmark = pytest.mark.django_db
PAGE = "accounts:recovery_codes"
CODE = re.compile(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>")


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    settings.PORTAL_OFFICE_OTP = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def enrolled(client):
    """An office account logged in with its app set up (the enrolment's first code used)."""
    office = OfficeUserFactory()
    _token, text = _issue(office)
    _login(client, office)
    response, device = _enrol(client, office, text)
    return office, device, CODE.findall(response.content.decode())


def test_new_codes_replace_the_old_ones_with_the_apps_current_code(client, enrolled):
    office, device, old_codes = enrolled
    page = client.get(reverse(PAGE))
    assert page.status_code == 200 and 'id="recovery-codes-form"' in page.content.decode()
    assert page["Cache-Control"].startswith("max-age=0")
    device.refresh_from_db()
    # The enrolment used this time step's code: the next one, as the page's error says.
    response = client.post(reverse(PAGE), {"token": _code(device, 1)})
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.content.decode()
    assert "data-recovery-renewed" in body
    new_codes = CODE.findall(body)
    assert len(set(new_codes)) == 10 and not set(new_codes) & set(old_codes)
    stored = set(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in new_codes}
    audit = AuditEvent.objects.get(action="otp.recovery_renewed")
    assert audit.detail == {"recovery_codes": 10, "replaced": 10}
    assert audit.object_id == str(office.pk)
    # Codes never reach the audit trail.
    assert not any(code.replace("-", "") in str(audit.detail) for code in new_codes)

    # An old code no longer logs in; a new one does.
    client.post(reverse("accounts:logout"))
    _login(client, office)
    desk = reverse("suggestions:desk")
    client.post(reverse("accounts:second_factor"), {"token": old_codes[0]})
    assert client.get(desk).status_code == 302
    client.post(reverse("accounts:second_factor"), {"token": new_codes[0]})
    assert client.get(desk).status_code == 200


def test_a_wrong_code_changes_nothing_and_is_audited(client, enrolled):
    office, _device, old_codes = enrolled
    response = client.post(reverse(PAGE), {"token": "000000"})
    assert response.status_code == 200
    assert not CODE.findall(response.content.decode())
    stored = set(StaticToken.objects.filter(device__user=office).values_list("token", flat=True))
    assert stored == {code.replace("-", "") for code in old_codes}
    assert AuditEvent.objects.filter(
        action="otp.failed", outcome=AuditEvent.Outcome.FAILURE, object_id=str(office.pk)
    ).exists()
    assert not AuditEvent.objects.filter(action="otp.recovery_renewed").exists()
    bad = client.post(reverse(PAGE), {"token": "abc\x00"})
    assert bad.status_code == 200


def test_tries_are_limited(client, enrolled):
    for _ in range(5):
        client.post(reverse(PAGE), {"token": "000000"})
    assert client.post(reverse(PAGE), {"token": "000000"}).status_code == 429


def test_an_account_without_an_app_is_sent_to_set_one_up(client):
    staff = StationStaffUserFactory()
    client.force_login(staff)
    response = client.get(reverse(PAGE))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))


def test_the_page_needs_a_login(client):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_home_page_links_to_it_for_office_accounts_only(client, enrolled):
    assert reverse(PAGE) in client.get(reverse("accounts:home")).content.decode()
    client.force_login(StationStaffUserFactory())
    assert reverse(PAGE) not in client.get(reverse("accounts:home")).content.decode()
