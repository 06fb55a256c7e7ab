"""Every public page of the foundation answers in Chinese by default and in English on request."""

import pytest
from django.urls import reverse

from tests.delegates.factories import MandateFactory
from tests.stations.factories import ReceptionDayFactory
from tests.suggestions.factories import CategoryFactory

PAGES = [
    "core:home",
    "stations:list",
    "stations:detail",
    "delegates:list",
    "delegates:detail",
    "suggestions:new",
    "suggestions:track",
    "accounts:login",
]
LANGUAGES = [
    pytest.param("zh-hans", {}, id="default"),
    pytest.param("zh-hans", {"HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9"}, id="zh-CN"),
    pytest.param("en", {"HTTP_COOKIE": "django_language=en"}, id="en"),
]


@pytest.fixture
def page_urls(station, delegate):
    """Something on every page: a station with a reception day, a delegate with a mandate."""
    ReceptionDayFactory(station=station)
    MandateFactory(delegate=delegate)
    CategoryFactory()
    args = {"stations:detail": [station.pk], "delegates:detail": [delegate.pk]}
    return {name: reverse(name, args=args.get(name)) for name in PAGES}


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "headers"), LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_page_answers_in_the_requested_language(client, page_urls, page, language, headers):
    response = client.get(page_urls[page], **headers)

    assert response.status_code == 200
    assert f'<html lang="{language}"'.encode() in response.content


@pytest.mark.django_db
def test_a_browser_set_to_english_still_gets_chinese_until_english_is_chosen(client, page_urls):
    response = client.get(page_urls["core:home"], HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert b'<html lang="zh-hans"' in response.content


@pytest.mark.django_db
def test_the_language_switch_is_remembered(client, page_urls):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(page_urls["stations:list"])

    assert b'<html lang="en"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "headers"), LANGUAGES)
def test_health_check_answers_in_any_language(client, language, headers):
    response = client.get(reverse("healthz"), **headers)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.django_db
def test_an_unknown_page_is_a_404_in_the_portal_layout(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b'<html lang="zh-hans"' in response.content


@pytest.mark.django_db
def test_the_privacy_notice_is_linked_from_every_page_and_says_how_long(client, settings):
    settings.PORTAL_CONTACT_RETENTION_DAYS = 365
    home = client.get("/").content.decode()
    assert 'href="/privacy/"' in home
    page = client.get("/privacy/")
    assert page.status_code == 200
    assert "365" in page.content.decode()


@pytest.mark.django_db
def test_a_form_posted_without_its_csrf_token_gets_our_page_with_no_inline_style(settings):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("suggestions:new"), {"title": "x"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "<style" not in body and 'style="' not in body
    assert 'class="portal-error' in body
