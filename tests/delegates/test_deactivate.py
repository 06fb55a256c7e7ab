"""A delegate who no longer serves: open work to a successor, duties to come end, history kept."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from congress_portal.clock import today
from delegates import services
from stations.models import DutyAssignment
from stations.services import reception_day_set_duty
from suggestions.models import State, Verb
from tests.accounts.factories import DelegateUserFactory
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import ReceptionDayFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def successor(station):
    delegate = DelegateFactory(name="李继任", user=DelegateUserFactory())
    delegate.stations.add(station)
    return delegate


@pytest.fixture
def duties(station, delegate, office_user):
    """One duty last month (attended history) and one next month."""
    past = ReceptionDayFactory(station=station, date=today() - datetime.timedelta(days=30))
    coming = ReceptionDayFactory(station=station, date=today() + datetime.timedelta(days=30))
    for day in (past, coming):
        reception_day_set_duty(day=day, delegates=[delegate], actor=office_user)
    return past, coming


def test_confirmation_page_shows_what_will_move(office, delegate, walk_to, duties):
    taken = walk_to(State.ACCEPTED)
    walk_to(State.IN_PROGRESS)
    walk_to(State.SUBMITTED)  # nobody holds it yet

    page = office.get(reverse("delegates:deactivate", args=[delegate.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-open="2" data-duties="1"' in html
    assert f'data-suggestion="{taken.pk}"' in html


def test_deactivated_delegates_open_work_is_with_the_successor(
    office, delegate, delegate_user, successor, walk_to, duties
):
    taken = walk_to(State.ACCEPTED)
    dispatched = walk_to(State.DISPATCHED)
    finished = walk_to(State.CLOSED)
    past, coming = duties

    response = office.post(
        reverse("delegates:deactivate", args=[delegate.pk]), {"successor": successor.pk}
    )

    assert response.status_code == 302
    delegate.refresh_from_db()
    delegate_user.refresh_from_db()
    assert not delegate.is_active
    assert not delegate_user.is_active
    for suggestion in (taken, dispatched):
        suggestion.refresh_from_db()
        assert suggestion.delegate_id == successor.pk
        event = suggestion.events.get(verb=Verb.REASSIGN)
        assert event.data == {"delegate": successor.name, "previous": delegate.name}
    finished.refresh_from_db()
    assert finished.delegate_id == delegate.pk  # history stays theirs
    assert DutyAssignment.objects.filter(reception_day=past, delegate=delegate).exists()
    assert not DutyAssignment.objects.filter(reception_day=coming, delegate=delegate).exists()
    assert AuditEvent.objects.filter(action="delegate.deactivate").count() == 1
    # The successor works on it.
    them = Client()
    them.force_login(successor.user)
    assert them.get(reverse("suggestions:desk_detail", args=[taken.pk])).status_code == 200
    # The trail still reads the old name.
    trail = office.get(reverse("suggestions:desk_detail", args=[taken.pk])).content.decode()
    assert delegate.name in trail
    # The page now says the delegate no longer serves.
    after = office.get(reverse("delegates:deactivate", args=[delegate.pk]))
    assert b'id="delegate-inactive"' in after.content


def test_a_delegate_holding_work_needs_a_successor(office, delegate, walk_to, duties):
    taken = walk_to(State.ACCEPTED)

    response = office.post(reverse("delegates:deactivate", args=[delegate.pk]), {})

    assert response.status_code == 400
    assert response.context["form"].errors["successor"]
    delegate.refresh_from_db()
    taken.refresh_from_db()
    assert delegate.is_active
    assert taken.delegate_id == delegate.pk
    assert DutyAssignment.objects.filter(delegate=delegate).count() == 2


def test_a_delegate_holding_nothing_leaves_without_a_successor(office, delegate, duties):
    response = office.post(reverse("delegates:deactivate", args=[delegate.pk]), {})

    assert response.status_code == 302
    delegate.refresh_from_db()
    assert not delegate.is_active
    assert DutyAssignment.objects.filter(delegate=delegate).count() == 1


def test_the_successor_must_serve_and_be_someone_else(office_user, delegate, walk_to):
    walk_to(State.ACCEPTED)
    former = DelegateFactory(is_active=False)

    for successor in (delegate, former):
        with pytest.raises(ValidationError):
            services.delegate_deactivate(delegate=delegate, successor=successor, actor=office_user)
    delegate.refresh_from_db()
    assert delegate.is_active


def test_only_the_office_deactivates_a_delegate(station_staff_user, delegate):
    with pytest.raises(services.NotAllowed):
        services.delegate_deactivate(delegate=delegate, successor=None, actor=station_staff_user)


@pytest.mark.parametrize("who", ["station_staff_user", "delegate_user", "unit_staff_user"])
def test_other_roles_get_403(client, request, who, delegate):
    client.force_login(request.getfixturevalue(who))

    assert client.get(reverse("delegates:deactivate", args=[delegate.pk])).status_code == 403
    assert client.post(reverse("delegates:deactivate", args=[delegate.pk])).status_code == 403


def test_the_office_sees_the_way_from_the_delegates_profile(office, delegate, client):
    html = office.get(reverse("delegates:detail", args=[delegate.pk])).content.decode()

    assert reverse("delegates:deactivate", args=[delegate.pk]) in html


def test_the_confirmation_page_has_a_fixed_number_of_queries(
    office, delegate, walk_to, duties, django_assert_max_num_queries
):
    for _ in range(3):
        walk_to(State.ACCEPTED)

    with django_assert_max_num_queries(14):
        response = office.get(reverse("delegates:deactivate", args=[delegate.pk]))

    assert response.status_code == 200


def test_a_reply_waiting_for_its_rating_moves_too_and_a_reopen_comes_back_to_the_successor(
    office, delegate, successor, walk_to
):
    from suggestions.models import RatingValue
    from suggestions.services import suggestion_rate

    replied = walk_to(State.REPLIED)

    response = office.post(
        reverse("delegates:deactivate", args=[delegate.pk]), {"successor": successor.pk}
    )

    assert response.status_code == 302
    replied.refresh_from_db()
    assert replied.delegate_id == successor.pk
    reopened = suggestion_rate(suggestion=replied, value=RatingValue.UNSATISFIED)
    assert reopened.state == State.ACCEPTED
    assert reopened.delegate_id == successor.pk
