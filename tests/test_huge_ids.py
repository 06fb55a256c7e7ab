"""Ids no database column can hold are an unknown choice, never a 500 (SQLite's driver raised
OverflowError for ``99999999999999999999`` in a multiple choice)."""

import pytest
from django import forms
from django.urls import reverse

from stations.models import Station
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


def test_a_multiple_choice_with_a_huge_id_is_a_form_error(station):
    field = forms.ModelMultipleChoiceField(queryset=Station.objects.all())
    with pytest.raises(forms.ValidationError):
        field.clean([HUGE])
    with pytest.raises(forms.ValidationError):
        field.clean([str(station.pk), "-" + HUGE])


def test_in_still_finds_the_real_ids(station):
    assert list(Station.objects.filter(pk__in=[station.pk, int(HUGE)])) == [station]
    assert not Station.objects.filter(pk__in=[int(HUGE)]).exists()
    assert Suggestion.objects.filter(station_id__in=[int(HUGE)]).count() == 0


def test_activity_participants_with_a_huge_id(client, delegate_user, station):
    client.force_login(delegate_user)
    response = client.post(
        reverse("delegates:activity_create"),
        {"participants": [HUGE], "station": station.pk, "kind": "visit", "title": "走访"},
    )
    assert response.status_code == 200  # the form again, with its errors


def test_admin_many_to_many_with_a_huge_id(admin_client, station):
    response = admin_client.get(reverse("admin:stations_station_changelist") + f"?id__in={HUGE}")
    assert response.status_code == 200
