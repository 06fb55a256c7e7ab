from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_database_outage_during_a_view_is_a_friendly_503(client):
    with mock.patch(
        "congress_portal.views.station_public_list",
        side_effect=OperationalError("connection to server was lost"),
    ):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "暂时无法访问" in response.content.decode()  # the friendly page, in Chinese


def test_database_outage_outside_a_view_is_a_503_too(office_user):
    client = Client(raise_request_exception=False)
    client.force_login(office_user)
    with mock.patch(
        "accounts.middleware.SessionLifetimeMiddleware.__call__",
        side_effect=OperationalError("could not connect to server"),
    ):
        response = client.get("/")
    assert response.status_code == 503


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/"),
        ("get", "/suggestions/new/"),
        ("post", "/suggestions/new/"),
        ("get", "/stations/"),
        ("get", "/public/"),
        ("get", "/delegates/"),
        ("get", "/track/ABCD-EFGH-JKLM/"),
    ],
)
def test_every_public_page_is_a_503_when_the_database_is_away(method, path):
    # The resident form met the outage while its template was rendered (the form's choices are
    # read then): the 503 page must be rendered there too, not left unrendered (a 500).
    client = Client(raise_request_exception=False)
    outage = OperationalError('connection failed: connection to server at "127.0.0.1" refused')
    with mock.patch("django.db.backends.base.base.BaseDatabaseWrapper.cursor", side_effect=outage):
        response = getattr(client, method)(path)
    assert response.status_code == 503
    assert "暂时无法访问" in response.content.decode()
