"""Dates outside what the portal can work with (year 1, year 9999) are a translated form error,
never a 500, and nothing is saved."""

import pytest
from django.urls import reverse

from stations.models import ReceptionDay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "start, end",
    [("0001-01-01", "0001-12-31"), ("9999-01-01", "9999-12-31"), ("1899-12-01", "1900-01-31")],
)
def test_generating_reception_days_far_in_the_past_or_future(
    client, station_staff_user, monthly_rule, start, end
):
    client.force_login(station_staff_user)
    before = ReceptionDay.objects.count()
    response = client.post(
        reverse("stations:rule_generate", args=[monthly_rule.pk]), {"start": start, "end": end}
    )
    assert response.status_code == 200
    assert "1900" in response.content.decode() and "2199" in response.content.decode()
    assert ReceptionDay.objects.count() == before


def test_an_activity_dated_year_one_is_a_form_error(client, delegate_user, station):
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:activity_create"),
        {"date": "0001-01-01", "station": station.pk, "title": "走访"},
    )
    assert response.status_code == 200
    assert "2199" in response.content.decode()


def test_a_meeting_list_filtered_from_year_one(client, station_staff_user):
    client.force_login(station_staff_user)
    response = client.get(reverse("meetings:list") + "?date_from=0001-01-01&date_to=0001-02-01")
    assert response.status_code == 200
