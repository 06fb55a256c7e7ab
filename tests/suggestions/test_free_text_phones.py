"""A phone number a resident types into the details is masked on the desk for every role
without the reveal right, and a search cannot find it (issue 13, item 1)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from suggestions.models import State

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def typed_phone(walk_to, submit):
    suggestion = walk_to(State.DISPATCHED)
    suggestion.content = f"请打我电话 {PHONE}，地址和平路"
    suggestion.save(update_fields=["content"])
    return suggestion


@pytest.mark.parametrize("role", ["unit_staff_user", "station_staff_user", "delegate_user"])
def test_the_desk_masks_a_phone_in_the_details(client, request, role, typed_phone):
    client.force_login(request.getfixturevalue(role))
    page = client.get(reverse("suggestions:desk_detail", args=[typed_phone.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert PHONE not in html
    assert "139****5678" in html


@pytest.mark.parametrize("role", ["unit_staff_user", "station_staff_user", "delegate_user"])
def test_a_search_for_the_number_finds_nothing(client, request, role, typed_phone):
    client.force_login(request.getfixturevalue(role))
    listing = client.get(reverse("suggestions:desk"), {"tab": "all", "q": PHONE})
    assert listing.status_code == 200
    assert typed_phone.title not in listing.content.decode()
    # The words of the text still find it.
    words = client.get(reverse("suggestions:desk"), {"tab": "all", "q": "和平路"})
    assert typed_phone.title in words.content.decode()


def test_the_office_with_the_reveal_right_sees_and_finds_it(client, office_user, typed_phone):
    office_user.user_permissions.add(Permission.objects.get(codename="reveal_phone"))
    client.force_login(office_user)
    page = client.get(reverse("suggestions:desk_detail", args=[typed_phone.pk]))
    assert PHONE in page.content.decode()
