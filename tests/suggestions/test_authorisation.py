"""The authorisation matrix (SECURITY.md 6): every staff URL of the loop × every role × an
object outside the role's scope answers 404, anonymous users get the login page, and nothing
changes. A new desk URL fails ``test_the_matrix_covers_every_desk_url`` until it is added here.
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from suggestions import desk, services
from suggestions.models import State
from suggestions.urls import urlpatterns
from tests.accounts.factories import (
    DelegateUserFactory,
    UnitStaffUserFactory,
    UserFactory,
)
from tests.delegates.factories import DelegateFactory
from tests.stations.factories import StationFactory
from tests.suggestions.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db

OBJECT_URLS = {"desk_detail", "desk_step", "desk_reveal_phone", "attachment", "desk_merge_into"}
PLAIN_URLS = {"desk", "desk_new", "desk_similar"}
# The office's handling-unit pages: every other role gets 403 (tests/suggestions/test_units.py).
OFFICE_URLS = {"units", "unit_new", "unit_edit", "unit_members", "unit_deactivate"}


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, format="JPEG")
    upload = SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")
    return upload


@pytest.fixture
def elsewhere(category, office_user):
    """A suggestion of another station, taken by its delegate, with its unit, with a photo."""
    station = StationFactory()
    other_delegate = DelegateFactory(user=DelegateUserFactory())
    other_delegate.stations.add(station)
    unit = HandlingUnitFactory()
    unit.members.add(UnitStaffUserFactory())
    suggestion = services.suggestion_submit(
        title="别处的建议",
        content="不在你的范围内。",
        category=category,
        station=station,
        submitter_phone="13700137000",
        photos=[_photo()],
    )
    services.suggestion_accept(suggestion=suggestion, actor=other_delegate.user)
    services.suggestion_dispatch(suggestion=suggestion, actor=other_delegate.user, unit=unit)
    return suggestion


def _requests(suggestion):
    """(method, url) for every object URL of the desk, every step included."""
    attachment = suggestion.attachments.get()
    yield "get", reverse("suggestions:desk_detail", args=[suggestion.pk])
    yield "post", reverse("suggestions:desk_reveal_phone", args=[suggestion.pk])
    yield "get", reverse("suggestions:attachment", args=[attachment.pk])
    for step in desk.STEPS:
        yield "post", reverse("suggestions:desk_step", args=[suggestion.pk, step])
    yield "post", reverse("suggestions:desk_merge_into", args=[suggestion.pk, suggestion.pk])


def test_the_matrix_covers_every_desk_url():
    desk_names = {p.name for p in urlpatterns if str(p.pattern).startswith(("desk/",))}
    assert desk_names == OBJECT_URLS | PLAIN_URLS | OFFICE_URLS


@pytest.mark.parametrize("role", ["station_staff", "delegate", "unit_staff", "no_role"])
def test_the_office_unit_urls_answer_403_to_every_other_role(
    client, role, handling_unit, station_staff_user, delegate_user, unit_staff_user
):
    users = {
        "station_staff": station_staff_user,
        "delegate": delegate_user,
        "unit_staff": unit_staff_user,
        "no_role": UserFactory(role=""),
    }
    client.force_login(users[role])
    for name in sorted(OFFICE_URLS):
        args = [] if name in ("units", "unit_new") else [handling_unit.pk]
        url = reverse(f"suggestions:{name}", args=args)
        assert client.post(url, {"x": "1"}).status_code == 403, (role, name)
    handling_unit.refresh_from_db()
    assert handling_unit.is_active


@pytest.mark.parametrize("role", ["station_staff", "delegate", "unit_staff", "no_role"])
def test_every_object_url_answers_404_outside_the_scope(
    client, role, elsewhere, station_staff_user, delegate_user, unit_staff_user
):
    users = {
        "station_staff": station_staff_user,
        "delegate": delegate_user,
        "unit_staff": unit_staff_user,
        "no_role": UserFactory(role=""),
    }
    client.force_login(users[role])
    events_before = elsewhere.events.count()
    for method, url in _requests(elsewhere):
        response = getattr(client, method)(url, {"x": "1"} if method == "post" else None)
        assert response.status_code == 404, (role, method, url, response.status_code)
        assert b"13700137000" not in response.content
    elsewhere.refresh_from_db()
    assert elsewhere.state == State.DISPATCHED
    assert elsewhere.events.count() == events_before


@pytest.mark.parametrize("role", ["station_staff", "delegate", "unit_staff"])
def test_the_workbench_never_lists_what_is_outside_the_scope(
    client, role, elsewhere, station_staff_user, delegate_user, unit_staff_user
):
    user = {
        "station_staff": station_staff_user,
        "delegate": delegate_user,
        "unit_staff": unit_staff_user,
    }[role]
    client.force_login(user)
    for params in ({"tab": "all"}, {"q": elsewhere.tracking_code}, {"q": "别处"}):
        response = client.get(reverse("suggestions:desk"), params)
        assert response.status_code == 200
        assert "别处的建议" not in response.content.decode()


def test_users_without_a_desk_role_get_404_on_the_plain_urls(client):
    client.force_login(UserFactory(role=""))
    for name in PLAIN_URLS:
        assert client.get(reverse(f"suggestions:{name}")).status_code == 404


def test_units_cannot_enter_suggestions(client, unit_staff_user):
    client.force_login(unit_staff_user)
    assert client.get(reverse("suggestions:desk_new")).status_code == 404


def test_anonymous_users_get_the_login_page_everywhere(client, elsewhere):
    login = reverse("accounts:login")
    plain = [("get", reverse(f"suggestions:{name}")) for name in PLAIN_URLS]
    for method, url in [*plain, *_requests(elsewhere)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(login)
    assert elsewhere.events.count() == 3


def test_the_office_sees_everything(client, elsewhere, office_user):
    client.force_login(office_user)
    for method, url in _requests(elsewhere):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_every_refusal_outside_the_scope_is_audited(client, elsewhere, delegate_user):
    # SECURITY.md 13: authorisation failures are logged, with actor, IP and object.
    from accounts.models import AuditEvent

    client.force_login(delegate_user)
    url = reverse("suggestions:desk_detail", args=[elsewhere.pk])
    assert client.get(url).status_code == 404
    event = AuditEvent.objects.get(action="access.refused")
    assert event.actor == delegate_user
    assert event.outcome == AuditEvent.Outcome.DENIED
    assert event.object_id == url
    assert event.ip_address == "127.0.0.1"
    assert event.detail == {"status": 404, "method": "GET"}


def test_a_probe_cannot_flood_the_audit_log(client, elsewhere, delegate_user, monkeypatch):
    from types import SimpleNamespace

    from accounts.models import AuditEvent
    from congress_portal import ratelimit
    from congress_portal.errors import REFUSALS_PER_MINUTE

    # One fixed window for the whole probe: on a slow machine its requests could straddle two.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_000_020.0))
    client.force_login(delegate_user)
    for method, url in list(_requests(elsewhere)) * 3:
        getattr(client, method)(url, {"x": "1"} if method == "post" else None)
    assert AuditEvent.objects.filter(action="access.refused").count() == REFUSALS_PER_MINUTE


def test_a_forbidden_page_is_audited_and_an_anonymous_404_is_not(client, delegate_user):
    from accounts.models import AuditEvent

    assert client.get("/no-such-page/").status_code == 404
    assert not AuditEvent.objects.filter(action="access.refused").exists()
    client.force_login(delegate_user)
    assert client.get(reverse("accounts:locked")).status_code == 403
    assert AuditEvent.objects.filter(
        action="access.refused", actor=delegate_user, detail__status=403
    ).exists()
