"""Every link on each role's workspace leads to a page that role can open."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("office_user", ["/desk/suggestions/", "/dashboard/", "/delegates/performance/"]),
        ("station_staff_user", ["/desk/suggestions/", "/stations/manage/", "/meetings/manage/"]),
        ("delegate_user", ["/desk/suggestions/", "/delegates/diary/", "/stations/my-duty-days/"]),
        ("unit_staff_user", ["/desk/suggestions/", "/dashboard/"]),
    ],
)
def test_each_role_lands_on_links_that_all_open(client, request, fixture, expected):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    page = client.get(reverse("accounts:home")).content.decode()
    links = re.findall(r'class="portal-tile-link" href="([^"]+)"', page)
    for path in expected:
        assert path in links, (fixture, path)
    for link in links:
        response = client.get(link, follow=True)
        assert response.status_code == 200, (fixture, link, response.status_code)
