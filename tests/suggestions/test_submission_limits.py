"""Submissions are limited per address and per phone number, and a honeypot catches robots
(issue 13, item 8: 50 anonymous submissions from one address were accepted in 3.8 s)."""

import pytest
from django.urls import reverse

from suggestions import views
from suggestions.models import Suggestion
from tests.suggestions.test_views import _form_data

pytestmark = pytest.mark.django_db


def _send(client, station, category, **extra):
    return client.post(reverse("suggestions:new"), _form_data(client, station, category, **extra))


def test_one_phone_number_sends_a_few_then_waits(client, station, category):
    for n in range(views.PHONE_LIMIT):
        assert _send(client, station, category, title=f"路灯{n}").status_code == 302
    refused = _send(client, station, category, title="再来一条")
    assert refused.status_code == 429
    assert "一小时" in refused.content.decode()
    assert "再来一条" in refused.content.decode()  # what was typed stays
    assert Suggestion.objects.count() == views.PHONE_LIMIT
    # Another resident (another number) from elsewhere is not held up.
    other = _send(client, station, category, submitter_phone="13711112222", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_one_address_sends_a_limited_number(client, station, category, monkeypatch):
    monkeypatch.setattr(views, "SUBMIT_LIMIT", 3)
    for n in range(3):
        response = _send(client, station, category, submitter_phone=f"1391111000{n}")
        assert response.status_code == 302
    assert _send(client, station, category, submitter_phone="13911110009").status_code == 429
    assert Suggestion.objects.count() == 3


def test_a_filled_honeypot_saves_nothing_and_says_so(client, station, category):
    response = _send(client, station, category, website="http://spam.example")
    assert response.status_code == 200
    assert not Suggestion.objects.exists()
    assert response.context["form"].non_field_errors()


def test_the_honeypot_is_hidden_from_people(client):
    html = client.get(reverse("suggestions:new")).content.decode()
    assert 'class="portal-trap" aria-hidden="true"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html
