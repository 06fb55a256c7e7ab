"""A merged duplicate's resident sees only what is theirs plus the outcome of the suggestion it
joined — never the other resident's details, address, phone or tracking code — and cannot rate
that suggestion (issue 13, item 2)."""

import pytest
from django.urls import reverse

from suggestions import services
from suggestions.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged(submit, delegate_user, walk_to):
    survivor = walk_to(State.REPLIED)
    survivor.refresh_from_db()
    duplicate = submit(
        title="我家楼下路灯也坏了",
        content="同样的问题",
        address="和平路 3 号",
        submitter_name="李四",
        submitter_phone="13911112222",
    )
    services.suggestion_accept(suggestion=duplicate, actor=delegate_user)
    services.suggestion_merge(suggestion=duplicate, into=survivor, actor=delegate_user)
    survivor.refresh_from_db()
    return duplicate, survivor


def test_the_duplicate_page_shows_only_its_own_data_and_the_outcome(client, merged):
    duplicate, survivor = merged
    page = client.get(reverse("suggestions:track_detail", args=[duplicate.tracking_code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "我家楼下路灯也坏了" in html
    assert survivor.title not in html
    assert survivor.content not in html
    assert survivor.address not in html or not survivor.address
    assert survivor.tracking_code not in html and survivor.formatted_code not in html
    assert survivor.submitter_phone[-4:] not in html
    assert survivor.reply in html  # the outcome: the reply given
    assert page.context["can_rate"] is False


def test_the_duplicate_resident_cannot_rate_the_survivor(client, merged):
    duplicate, survivor = merged
    client.post(
        reverse("suggestions:rate", args=[duplicate.tracking_code]), {"value": "unsatisfied"}
    )
    survivor.refresh_from_db()
    assert survivor.state == State.REPLIED
    assert survivor.rating == ""
