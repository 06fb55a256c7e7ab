"""Enrolment tokens come from another office account (accounts:enrolment) or the command line,
are shown once and stored only as hashes; the office also resets a lost phone (issue 13)."""

import hashlib
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AuditEvent, EnrolmentToken
from accounts.second_factor import enrolment_token_find, enrolment_token_issue
from tests.accounts.factories import OfficeUserFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = "accounts:enrolment"
TOKEN = re.compile(r'portal-enrolment-token">([A-Z2-9]{4}(?:-[A-Z2-9]{4}){4})<')


@pytest.fixture(autouse=True)
def _in_english(client):
    client.cookies["django_language"] = "en"


def _issue_on_page(client, username):
    return client.post(reverse(PAGE), {"action": "issue", "issue-username": username})


def test_the_office_issues_a_token_for_a_colleague_shown_once_and_kept_as_a_hash(client):
    office, colleague = OfficeUserFactory(), OfficeUserFactory()
    client.force_login(office)
    response = _issue_on_page(client, colleague.username)
    assert response.status_code == 200
    text = TOKEN.search(response.content.decode()).group(1)

    token = EnrolmentToken.objects.get(user=colleague)
    assert token.issued_by == office and token.used_at is None
    assert token.token_hash == hashlib.sha256(text.replace("-", "").encode()).hexdigest()
    assert text not in str(EnrolmentToken.objects.values().get())
    assert enrolment_token_find(user=colleague, raw=text) == token
    audit = AuditEvent.objects.get(action="otp.token_issued")
    assert (audit.actor, audit.object_id, audit.detail["via"]) == (
        office,
        str(colleague.pk),
        "page",
    )
    assert text not in str(audit.detail)

    # Listed as pending, without the token.
    listing = client.get(reverse(PAGE)).content.decode()
    assert colleague.username in listing and text not in listing


def test_a_new_token_replaces_the_pending_one(client):
    office, colleague = OfficeUserFactory(), OfficeUserFactory()
    _first, old = enrolment_token_issue(user=colleague, actor=office, via="test")
    client.force_login(office)
    _issue_on_page(client, colleague.username)
    assert EnrolmentToken.objects.filter(user=colleague).count() == 1
    assert enrolment_token_find(user=colleague, raw=old) is None


def test_nobody_issues_a_token_for_themselves(client):
    office = OfficeUserFactory()
    client.force_login(office)
    response = _issue_on_page(client, office.username)
    assert response.status_code == 400
    assert "your own account" in response.content.decode()
    assert not EnrolmentToken.objects.exists()


@pytest.mark.parametrize("kind", ["station_staff_user", "delegate_user", "unit_staff_user"])
def test_only_the_office_opens_the_enrolment_page(client, request, kind):
    user = request.getfixturevalue(kind)
    colleague = OfficeUserFactory()
    client.force_login(user)
    assert client.get(reverse(PAGE)).status_code == 403
    assert _issue_on_page(client, colleague.username).status_code == 403
    assert not EnrolmentToken.objects.exists()


def test_tokens_are_only_for_office_and_admin_accounts(client, station_staff_user):
    client.force_login(OfficeUserFactory())
    response = _issue_on_page(client, station_staff_user.username)
    assert response.status_code == 400
    assert "Only active office and administrator accounts" in response.content.decode()
    admin = UserFactory(is_staff=True)
    assert _issue_on_page(client, admin.username).status_code == 200
    assert _issue_on_page(client, "nobody-by-this-name").status_code == 400


def test_a_superuser_account_gets_its_token_from_a_superuser_only(client):
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(OfficeUserFactory())
    assert _issue_on_page(client, root.username).status_code == 400
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert _issue_on_page(client, root.username).status_code == 200


def test_no_token_for_an_account_that_has_its_app(client):
    colleague = OfficeUserFactory()
    TOTPDevice.objects.create(user=colleague, name="app", confirmed=True)
    client.force_login(OfficeUserFactory())
    response = _issue_on_page(client, colleague.username)
    assert response.status_code == 400
    assert "already has an authenticator app" in response.content.decode()


def test_the_office_revokes_a_pending_token(client):
    office, colleague = OfficeUserFactory(), OfficeUserFactory()
    token, text = enrolment_token_issue(user=colleague, actor=office, via="test")
    client.force_login(office)
    client.post(reverse(PAGE), {"action": "revoke", "token": token.pk})
    assert enrolment_token_find(user=colleague, raw=text) is None
    assert AuditEvent.objects.filter(action="otp.token_revoked", actor=office).exists()
    again = client.post(reverse(PAGE), {"action": "revoke", "token": "x"}, follow=True)
    assert "no longer pending" in again.content.decode()


def test_the_office_resets_a_lost_phone(client):
    office, colleague = OfficeUserFactory(), OfficeUserFactory()
    TOTPDevice.objects.create(user=colleague, name="app", confirmed=True)
    StaticDevice.objects.create(user=colleague, name="codes", confirmed=True)
    client.force_login(office)
    response = client.post(
        reverse(PAGE), {"action": "reset", "reset-username": colleague.username}, follow=True
    )
    assert "is removed" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert not StaticDevice.objects.filter(user=colleague).exists()
    audit = AuditEvent.objects.get(action="otp.reset")
    assert audit.actor == office and audit.detail["totp_devices"] == 1
    # And the colleague can now be issued a token.
    assert _issue_on_page(client, colleague.username).status_code == 200


def test_nobody_resets_their_own_second_factor_on_the_page(client):
    office = OfficeUserFactory()
    TOTPDevice.objects.create(user=office, name="app", confirmed=True)
    client.force_login(office)
    response = client.post(reverse(PAGE), {"action": "reset", "reset-username": office.username})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=office).exists()


def test_the_office_home_links_to_the_enrolment_page(client):
    client.force_login(OfficeUserFactory())
    assert reverse(PAGE) in client.get(reverse("accounts:home")).content.decode()


def test_the_command_prints_a_token_once_and_audits_it():
    colleague = OfficeUserFactory()
    out = io.StringIO()
    call_command("issue_enrolment_token", colleague.username, stdout=out)
    text = re.search(r"^([A-Z2-9]{4}(?:-[A-Z2-9]{4}){4})$", out.getvalue(), re.M).group(1)
    token = enrolment_token_find(user=colleague, raw=text)
    assert token is not None and token.issued_by is None
    audit = AuditEvent.objects.get(action="otp.token_issued")
    assert audit.actor is None and audit.actor_label == "manage.py issue_enrolment_token"
    assert audit.detail["via"] == "command"


def test_the_command_refuses_an_unknown_or_ordinary_account(station_staff_user):
    with pytest.raises(CommandError):
        call_command("issue_enrolment_token", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("issue_enrolment_token", station_staff_user.username, stdout=io.StringIO())
    assert not EnrolmentToken.objects.exists()


def test_the_reset_command_removes_the_devices_and_audits():
    colleague = OfficeUserFactory()
    TOTPDevice.objects.create(user=colleague, name="app", confirmed=True)
    call_command("reset_second_factor", colleague.username, stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    assert AuditEvent.objects.filter(action="otp.reset", object_id=str(colleague.pk)).exists()


@pytest.mark.parametrize("junk", ["x", "²", "9" * 40, ""])
def test_revoking_with_a_mangled_id_is_a_clear_message(client, junk):
    client.force_login(OfficeUserFactory())
    response = client.post(reverse(PAGE), {"action": "revoke", "token": junk}, follow=True)
    assert response.status_code == 200 and "no longer pending" in response.content.decode()
