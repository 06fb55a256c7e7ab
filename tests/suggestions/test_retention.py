"""Residents' contact data is erased a set time after closure; statistics and trail stay."""

import datetime

import pytest
from django.core.management import call_command

from congress_portal.clock import frozen_at, now
from suggestions.models import State, Suggestion, Verb

pytestmark = pytest.mark.django_db


def test_contacts_of_suggestions_closed_a_year_ago_are_erased_and_open_ones_kept(
    walk_to, settings, capsys
):
    settings.PORTAL_CONTACT_RETENTION_DAYS = 365
    closed = walk_to(State.CLOSED)
    still_open = walk_to(State.IN_PROGRESS)
    call_command("erase_contacts")
    closed.refresh_from_db()
    assert closed.submitter_phone == "13800138000"  # not yet a year

    with frozen_at(now() + datetime.timedelta(days=366)):
        call_command("erase_contacts")
        call_command("erase_contacts")  # again: nothing more to do
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.submitter_phone == "" and closed.submitter_name == ""
    assert closed.contact_erased_at is not None
    assert closed.state == State.CLOSED and closed.rating  # the statistics stay
    assert closed.events.filter(verb=Verb.ERASE_CONTACT).count() == 1
    assert still_open.submitter_phone == "13800138000"
    assert "1" in capsys.readouterr().out


def test_the_tracking_page_after_erasure_shows_no_phone(client, walk_to):
    closed = walk_to(State.CLOSED)
    with frozen_at(now() + datetime.timedelta(days=400)):
        call_command("erase_contacts")
    page = client.get(closed.get_tracking_url()).content.decode()
    assert "8000" not in page
    assert Suggestion.objects.get(pk=closed.pk).title in page
