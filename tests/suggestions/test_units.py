"""The office's handling-unit pages, and closing a unit down with its open work moved on."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from dashboard.models import SuggestionFigures, SuggestionRollup
from suggestions import services
from suggestions.models import Category, HandlingUnit, State, Verb
from tests.accounts.factories import UnitStaffUserFactory
from tests.suggestions.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def successor():
    return HandlingUnitFactory(name="县住建局")


@pytest.fixture
def successor_staff(successor):
    user = UnitStaffUserFactory()
    successor.members.add(user)
    return user


def test_list_shows_each_units_open_work(office, handling_unit, walk_to):
    walk_to(State.DISPATCHED)
    walk_to(State.IN_PROGRESS)
    walk_to(State.UNIT_REPLIED)
    walk_to(State.CLOSED)
    idle = HandlingUnitFactory()

    response = office.get(reverse("suggestions:units"))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-unit="{handling_unit.pk}" data-open="3"' in html
    assert f'data-unit="{idle.pk}" data-open="0"' in html


def test_list_searches_and_filters(office):
    HandlingUnitFactory(name="甘州区交通局", level=HandlingUnit.Level.COUNTY)
    HandlingUnitFactory(name="东街街道办事处", is_active=False)

    found = office.get(reverse("suggestions:units"), {"q": "交通"})
    closed = office.get(reverse("suggestions:units"), {"active": "0"})

    assert [row["unit"].name for row in found.context["units"]] == ["甘州区交通局"]
    assert [row["unit"].name for row in closed.context["units"]] == ["东街街道办事处"]


def test_list_is_paged_with_a_fixed_number_of_queries(office, django_assert_max_num_queries):
    HandlingUnitFactory.create_batch(60)

    with django_assert_max_num_queries(8):
        response = office.get(reverse("suggestions:units"), {"page": 2})

    assert response.status_code == 200
    assert len(response.context["units"]) == 10


def test_unit_page_has_a_fixed_number_of_queries(
    office, handling_unit, unit_staff_user, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = office.get(reverse("suggestions:unit_edit", args=[handling_unit.pk]))

    assert response.status_code == 200


def test_close_page_has_a_fixed_number_of_queries(
    office, handling_unit, walk_to, django_assert_max_num_queries
):
    for _ in range(3):
        walk_to(State.DISPATCHED)

    with django_assert_max_num_queries(12):
        response = office.get(reverse("suggestions:unit_deactivate", args=[handling_unit.pk]))

    assert response.status_code == 200


def test_office_creates_and_edits_a_unit(office):
    response = office.post(
        reverse("suggestions:unit_new"),
        {"name": "县水务局", "level": HandlingUnit.Level.COUNTY, "contact_phone": "0936-8211234"},
    )

    unit = HandlingUnit.objects.get(name="县水务局")
    assert response.url == reverse("suggestions:unit_edit", args=[unit.pk])
    assert unit.contact_phone == "09368211234"
    edited = office.post(
        reverse("suggestions:unit_edit", args=[unit.pk]),
        {"name": "县水务局（河长办）", "level": HandlingUnit.Level.COUNTY},
    )
    assert edited.status_code == 302
    unit.refresh_from_db()
    assert unit.name == "县水务局（河长办）"
    assert AuditEvent.objects.filter(object_type="suggestions.handlingunit").count() == 2


def test_duplicate_unit_name_is_a_form_error(office, handling_unit):
    response = office.post(
        reverse("suggestions:unit_new"),
        {"name": handling_unit.name, "level": HandlingUnit.Level.TOWNSHIP},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["name"]


def test_a_unit_cannot_be_its_own_ancestor(office, handling_unit):
    child = HandlingUnitFactory(parent=handling_unit)

    response = office.post(
        reverse("suggestions:unit_edit", args=[handling_unit.pk]),
        {"name": handling_unit.name, "level": handling_unit.level, "parent": child.pk},
    )

    assert response.status_code == 400
    handling_unit.refresh_from_db()
    assert handling_unit.parent_id is None


def test_office_adds_and_removes_unit_staff(office, handling_unit):
    person = UnitStaffUserFactory()
    url = reverse("suggestions:unit_members", args=[handling_unit.pk])

    office.post(url, {"action": "add", "account": person.pk})
    assert handling_unit.members.filter(pk=person.pk).exists()
    office.post(url, {"action": "remove", "account": person.pk})
    assert not handling_unit.members.filter(pk=person.pk).exists()
    assert AuditEvent.objects.filter(action__startswith="unit.member_").count() == 2


def test_only_unit_staff_accounts_can_join(office, handling_unit, station_staff_user):
    url = reverse("suggestions:unit_members", args=[handling_unit.pk])

    response = office.post(url, {"action": "add", "account": station_staff_user.pk})

    assert response.status_code == 302
    assert not handling_unit.members.filter(pk=station_staff_user.pk).exists()


def test_unit_phones_are_masked_on_its_page(office, handling_unit):
    person = UnitStaffUserFactory(phone="13812345678")
    handling_unit.members.add(person)

    html = office.get(reverse("suggestions:unit_edit", args=[handling_unit.pk])).content.decode()

    assert "138****5678" in html
    assert not re.search(r"1[3-9]\d{9}", html)


# --- closing a unit ---------------------------------------------------------------------------


def test_confirmation_page_shows_what_will_move(office, handling_unit, walk_to):
    first = walk_to(State.DISPATCHED)
    walk_to(State.IN_PROGRESS)

    page = office.get(reverse("suggestions:unit_deactivate", args=[handling_unit.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-open="2"' in html
    assert f'data-suggestion="{first.pk}"' in html
    assert 'data-categories="1"' in html  # the category fixture defaults to this unit


def test_closing_a_unit_with_open_work_needs_a_successor(office, handling_unit, walk_to):
    suggestion = walk_to(State.DISPATCHED)

    response = office.post(reverse("suggestions:unit_deactivate", args=[handling_unit.pk]), {})

    assert response.status_code == 400
    assert response.context["form"].errors["successor"]
    handling_unit.refresh_from_db()
    suggestion.refresh_from_db()
    assert handling_unit.is_active
    assert suggestion.handling_unit_id == handling_unit.pk


def test_closing_a_unit_moves_its_open_work_to_the_successor(
    office, handling_unit, walk_to, successor, successor_staff, unit_staff_user, category
):
    dispatched = walk_to(State.DISPATCHED)
    working = walk_to(State.IN_PROGRESS)
    reviewed = walk_to(State.UNIT_REPLIED)
    done = walk_to(State.CLOSED)

    response = office.post(
        reverse("suggestions:unit_deactivate", args=[handling_unit.pk]),
        {"successor": successor.pk},
    )

    assert response.status_code == 302
    handling_unit.refresh_from_db()
    assert not handling_unit.is_active
    for suggestion, state in (
        (dispatched, State.DISPATCHED),
        (working, State.IN_PROGRESS),
        (reviewed, State.UNIT_REPLIED),
    ):
        deadline = suggestion.deadline
        suggestion.refresh_from_db()
        assert (suggestion.handling_unit_id, suggestion.state) == (successor.pk, state)
        assert suggestion.deadline == deadline
        event = suggestion.events.get(verb=Verb.TRANSFER_UNIT)
        assert event.data == {"unit": successor.name, "previous": handling_unit.name}
        assert not event.is_public
    # History stays where it was.
    done.refresh_from_db()
    assert done.handling_unit_id == handling_unit.pk
    category.refresh_from_db()
    assert category.default_unit_id == successor.pk
    # The successor's staff see the work; the closed unit's staff no longer do.
    them = Client()
    them.force_login(successor_staff)
    assert them.get(reverse("suggestions:desk_detail", args=[working.pk])).status_code == 200
    assert dispatched.title in them.get(reverse("suggestions:desk")).content.decode()
    old = Client()
    old.force_login(unit_staff_user)
    assert old.get(reverse("suggestions:desk_detail", args=[working.pk])).status_code == 404
    assert old.get(reverse("suggestions:desk_detail", args=[done.pk])).status_code == 200
    # The figures moved with the suggestions.
    assert SuggestionFigures.objects.get(pk=working.pk).unit_key == successor.pk
    gauges = SuggestionRollup.objects.filter(unit_key=successor.pk)
    assert sum(row.now_in_progress for row in gauges) == 1
    assert sum(row.now_dispatched for row in gauges) == 1


def test_a_unit_without_open_work_closes_without_a_successor(office, office_user, handling_unit):
    office.post(reverse("suggestions:unit_deactivate", args=[handling_unit.pk]), {})

    handling_unit.refresh_from_db()
    assert not handling_unit.is_active
    assert AuditEvent.objects.filter(action="unit.deactivate").exists()
    with pytest.raises(ValidationError):  # closed already
        services.handling_unit_deactivate(unit=handling_unit, successor=None, actor=office_user)


def test_the_successor_must_be_another_active_unit(office, handling_unit, walk_to):
    walk_to(State.DISPATCHED)
    closed = HandlingUnitFactory(is_active=False)

    for successor in (handling_unit, closed):
        response = office.post(
            reverse("suggestions:unit_deactivate", args=[handling_unit.pk]),
            {"successor": successor.pk},
        )
        assert response.status_code == 400
    handling_unit.refresh_from_db()
    assert handling_unit.is_active


def test_many_open_suggestions_move_in_the_background_in_batches(
    office, handling_unit, walk_to, successor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "INLINE_MOVES", 2)
    monkeypatch.setattr(services, "MOVE_BATCH", 2)
    moving = [walk_to(State.DISPATCHED) for _ in range(5)]

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(
            reverse("suggestions:unit_deactivate", args=[handling_unit.pk]),
            {"successor": successor.pk},
        )

    assert response.status_code == 302
    for suggestion in moving:
        suggestion.refresh_from_db()
        assert suggestion.handling_unit_id == successor.pk
        assert suggestion.events.filter(verb=Verb.TRANSFER_UNIT).count() == 1


def test_a_failed_background_move_is_finished_from_the_page(
    office, office_user, handling_unit, walk_to, successor, monkeypatch
):
    """The task never ran: the closed unit's page says how many are left, and the office
    moves the rest."""
    monkeypatch.setattr(services, "INLINE_MOVES", 1)
    left = [walk_to(State.DISPATCHED) for _ in range(2)]
    services.handling_unit_deactivate(unit=handling_unit, successor=successor, actor=office_user)

    page = office.get(reverse("suggestions:unit_edit", args=[handling_unit.pk]))
    assert 'data-open="2"' in page.content.decode()
    monkeypatch.setattr(services, "INLINE_MOVES", 100)
    office.post(
        reverse("suggestions:unit_deactivate", args=[handling_unit.pk]),
        {"successor": successor.pk},
    )

    for suggestion in left:
        suggestion.refresh_from_db()
        assert suggestion.handling_unit_id == successor.pk


# --- the transfer step itself -----------------------------------------------------------------


@pytest.mark.parametrize("state", [State.DISPATCHED, State.IN_PROGRESS, State.UNIT_REPLIED])
def test_transfer_is_allowed_while_a_unit_holds_it(walk_to, office_user, successor, state):
    suggestion = walk_to(state)

    moved = services.suggestion_transfer_unit(
        suggestion=suggestion, unit=successor, actor=office_user
    )

    assert moved.handling_unit_id == successor.pk
    assert moved.state == state


@pytest.mark.parametrize(
    "state", [State.SUBMITTED, State.ACCEPTED, State.REPLIED, State.CLOSED, State.MERGED]
)
def test_transfer_is_refused_when_no_unit_holds_it(walk_to, office_user, successor, state):
    suggestion = walk_to(state)

    with pytest.raises(ValidationError):
        services.suggestion_transfer_unit(suggestion=suggestion, unit=successor, actor=office_user)


def test_only_the_office_transfers(walk_to, delegate_user, successor):
    suggestion = walk_to(State.DISPATCHED)

    with pytest.raises(services.NotAllowed):
        services.suggestion_transfer_unit(
            suggestion=suggestion, unit=successor, actor=delegate_user
        )


def test_a_closed_unit_cannot_receive_a_transfer(walk_to, office_user):
    suggestion = walk_to(State.DISPATCHED)

    with pytest.raises(ValidationError):
        services.suggestion_transfer_unit(
            suggestion=suggestion, unit=HandlingUnitFactory(is_active=False), actor=office_user
        )


@pytest.mark.parametrize("who", ["station_staff_user", "delegate_user", "unit_staff_user"])
@pytest.mark.parametrize("name", ["units", "unit_new", "unit_edit", "unit_deactivate"])
def test_other_roles_get_403(client, request, who, name, handling_unit):
    client.force_login(request.getfixturevalue(who))
    args = [handling_unit.pk] if name in ("unit_edit", "unit_deactivate") else []

    response = client.get(reverse(f"suggestions:{name}", args=args))

    assert response.status_code == 403


def test_other_roles_cannot_post_to_the_unit_pages(
    client, unit_staff_user, handling_unit, category
):
    client.force_login(unit_staff_user)

    client.post(reverse("suggestions:unit_deactivate", args=[handling_unit.pk]), {})
    client.post(
        reverse("suggestions:unit_members", args=[handling_unit.pk]),
        {"action": "remove", "account": unit_staff_user.pk},
    )

    handling_unit.refresh_from_db()
    assert handling_unit.is_active
    assert handling_unit.members.filter(pk=unit_staff_user.pk).exists()
    assert Category.objects.filter(default_unit=handling_unit).exists()
