"""Sessions end 30 minutes after the last request and 12 hours after login (SECURITY.md 4),
without a database write on every page view (PERFORMANCE.md)."""

import datetime
import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import _STARTED, _TOUCHED
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, station_staff_user):
    client.post(
        reverse("accounts:login"),
        {"username": station_staff_user.username, "password": PASSWORD},
    )
    client.get(reverse("accounts:home"))
    return client


def _session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def _session_writes(queries) -> list[str]:
    writes = ("UPDATE", "INSERT")
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(writes)
    ]


def _age_session(client, *, touched_seconds_ago=0, started_seconds_ago=0, expires_in=None):
    session = client.session
    moment = int(time.time())
    if touched_seconds_ago:
        session[_TOUCHED] = moment - touched_seconds_ago
    if started_seconds_ago:
        session[_STARTED] = moment - started_seconds_ago
    session.save()
    if expires_in is not None:
        Session.objects.filter(session_key=session.session_key).update(
            expire_date=timezone.now() + expires_in
        )


def test_pages_opened_within_a_minute_write_no_session_row(logged_in):
    with CaptureQueriesContext(connection) as queries:
        response = logged_in.get(reverse("accounts:home"))

    assert response.status_code == 200
    assert _session_writes(queries.captured_queries) == []


def test_a_request_a_minute_after_the_last_pushes_the_idle_expiry_forward(logged_in):
    _age_session(logged_in, touched_seconds_ago=90, expires_in=datetime.timedelta(minutes=28))

    response = logged_in.get(reverse("accounts:home"))

    assert response.status_code == 200
    remaining = _session_row(logged_in).expire_date - timezone.now()
    assert remaining > datetime.timedelta(minutes=29)


def test_a_session_idle_for_thirty_minutes_has_ended(logged_in):
    _age_session(logged_in, expires_in=datetime.timedelta(seconds=-1))

    response = logged_in.get(reverse("accounts:home"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_session_ends_twelve_hours_after_login_however_active(logged_in):
    _age_session(logged_in, started_seconds_ago=12 * 3600 + 5)

    response = logged_in.get(reverse("accounts:home"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
