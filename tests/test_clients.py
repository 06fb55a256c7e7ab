"""The client's address behind reverse proxies: one answer for lockouts, rate limits and the
audit log, never a header the client wrote itself."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import AuditEvent
from congress_portal.clients import client_ip
from tests.accounts.factories import PASSWORD

factory = RequestFactory()


def _request(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return factory.get("/", **meta)


def test_without_a_proxy_the_forwarded_header_is_ignored(settings):
    settings.PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9", forwarded="6.6.6.6")) == "203.0.113.9"


def test_behind_one_proxy_the_client_is_what_the_proxy_appended(settings):
    settings.PROXY_COUNT = 1
    assert client_ip(_request(forwarded="203.0.113.9")) == "203.0.113.9"
    # A client writing its own header cannot choose its address: the proxy appends the real one.
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.PROXY_COUNT = 2
    assert client_ip(_request(forwarded="6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


@pytest.mark.parametrize("forwarded", [None, "", "not-an-address", "  ,  "])
def test_a_missing_or_malformed_header_behind_a_proxy_gives_no_address(settings, forwarded):
    settings.PROXY_COUNT = 1
    assert client_ip(_request(forwarded=forwarded)) is None


@pytest.mark.django_db
def test_two_residents_behind_the_proxy_each_have_their_own_lookup_limit(client, settings):
    settings.PROXY_COUNT = 1
    url = reverse("suggestions:track_detail", args=["AAAA00000000"])
    first = [client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.1").status_code for _ in range(35)]
    other = client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.2").status_code

    assert first[-1] == 429
    assert other == 404


@pytest.mark.django_db
def test_the_audit_log_and_the_lockout_see_the_client_behind_the_proxy(
    client, settings, station_staff_user
):
    settings.PROXY_COUNT = 1
    login = reverse("accounts:login")
    for _ in range(5):
        client.post(
            login,
            {"username": station_staff_user.username, "password": "Wrong-pass-2026!"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )

    assert AuditEvent.objects.filter(action="login_failed", ip_address="203.0.113.7").count() == 5
    # The lockout is per (user, client): another resident's address behind the same proxy
    # still logs in with the right password.
    response = client.post(
        login,
        {"username": station_staff_user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert response.status_code == 302
