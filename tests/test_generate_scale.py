"""``manage.py generate_scale`` fills an empty database with a consistent province (small here).

On PostgreSQL the same run goes through COPY, with the foreign-key triggers and secondary
indexes off during the load; the checks below (every foreign key, every trail, the rollups)
are what make that safe.
"""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from congress_portal.clock import frozen_at
from congress_portal.management.commands.generate_scale import Command
from congress_portal.scale import BENCH_PASSWORD
from dashboard.rollups import check
from delegates.models import Activity, Delegate, Mandate, StationMembership
from meetings.models import Ballot, BallotMark, BallotSession, Meeting, Topic
from stations.models import DutyAssignment, ReceptionDay, Region, Station
from suggestions.models import (
    ANNOTATIONS,
    TRANSITIONS,
    Channel,
    DeadlineExtension,
    Rating,
    State,
    Suggestion,
    SuggestionEvent,
)

pytestmark = pytest.mark.django_db
MOMENT = timezone.make_aware(datetime.datetime(2026, 6, 15, 10, 30))
SIZES = ["--suggestions", "400", "--stations", "12", "--delegates", "40", "--seed", "7"]


def _generate(*extra):
    with frozen_at(MOMENT):
        call_command("generate_scale", *SIZES, *extra, verbosity=0)


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    """One small province for the module (committed), emptied again after its tests."""
    with django_db_blocker.unblock():
        _generate()
        yield
        Command()._flush()


def test_every_kind_of_row_is_there(province):
    assert set(Region.objects.values_list("kind", flat=True)) >= {
        "province",
        "city",
        "district",
        "street",
        "township",
        "community",
        "village",
    }
    assert set(Station.objects.values_list("kind", flat=True)) == set(Station.Kind.values)
    assert Station.objects.count() == 12
    assert Delegate.objects.count() == 40
    assert Mandate.objects.exists() and StationMembership.objects.exists()
    assert set(Suggestion.objects.values_list("state", flat=True)) == set(State.values)
    assert set(Suggestion.objects.values_list("channel", flat=True)) >= {
        Channel.ONLINE,
        Channel.RECEPTION_DAY,
    }
    assert Suggestion.objects.filter(state=State.CLOSED, reopen_count__gt=0).exists()
    assert Suggestion.objects.filter(state=State.CLOSED).count() > Suggestion.objects.count() / 2
    for model in (Rating, DeadlineExtension, ReceptionDay, DutyAssignment, Activity, Meeting):
        assert model.objects.exists(), model
    assert ReceptionDay.objects.filter(logged_at__isnull=False).exists()
    assert Topic.objects.exists() or BallotSession.objects.exists()
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)


def test_foreign_keys_paths_and_trails_hold(province):
    connection.check_constraints()  # every foreign key points at a row
    regions = dict(Region.objects.values_list("pk", "path"))
    for pk, parent, path, depth in Region.objects.values_list("pk", "parent", "path", "depth"):
        assert path == (regions[parent] if parent else "/") + f"{pk}/"
        assert depth == path.count("/") - 2
    trails: dict[int, list] = {}
    for row in SuggestionEvent.objects.order_by("suggestion_id", "created_at", "id").values_list(
        "suggestion_id", "verb", "from_state", "to_state", "created_at"
    ):
        trails.setdefault(row[0], []).append(row[1:])
    now = MOMENT
    for pk, state, submitted_at, _deadline in Suggestion.objects.values_list(
        "pk", "state", "submitted_at", "deadline"
    ):
        trail = trails[pk]
        assert trail[0][:3] == ("submit", "", State.SUBMITTED)
        assert trail[0][3] == submitted_at
        current = State.SUBMITTED
        for verb, from_state, to_state, created_at in trail[1:]:
            assert from_state == current, (pk, trail)
            if verb in TRANSITIONS:
                sources, target = TRANSITIONS[verb]
                assert from_state in sources and to_state == target, (pk, verb)
            else:
                assert from_state in ANNOTATIONS[verb] and to_state == from_state, (pk, verb)
            assert created_at <= now
            current = to_state
        assert current == state, pk
    with_unit = Suggestion.objects.filter(state__in=[State.DISPATCHED, State.IN_PROGRESS])
    assert not with_unit.filter(deadline__isnull=True).exists()
    assert Suggestion.objects.filter(
        state__in=[State.DISPATCHED, State.IN_PROGRESS], deadline__lt=now.date()
    ).exists(), "some suggestions are overdue"
    reception = Suggestion.objects.filter(channel=Channel.RECEPTION_DAY).select_related(
        "reception_day"
    )
    for suggestion in reception:
        assert suggestion.reception_day.station_id == suggestion.station_id
        assert suggestion.reception_day.status == ReceptionDay.Status.HELD
    # Ballot secrecy: a ballot is a random key and its marks, nothing else.
    assert [f.name for f in Ballot._meta.concrete_fields] == ["id", "session"]
    assert not BallotSession.objects.filter(status=BallotSession.Status.CLOSED).exists() or (
        BallotMark.objects.exists()
    )


def test_rollups_agree_with_a_fresh_count(province):
    with frozen_at(MOMENT):
        result = check()
    assert result.ok, result
    assert result.suggestions == Suggestion.objects.count()


def test_the_performance_list_has_the_figures_of_every_delegate(province):
    # The office's performance list pages over kept figures: without them it would only say
    # "being computed" until a worker ran.
    from delegates.models import Delegate, PerformanceFigures

    year = MOMENT.year
    computed = set(
        PerformanceFigures.objects.filter(year=year).values_list("delegate_id", flat=True)
    )
    assert computed
    assert computed <= set(Delegate.objects.values_list("pk", flat=True))


def test_bench_accounts_log_in(province, client):
    for username in ("bench-office", "bench-staff", "bench-delegate", "bench-unit"):
        with frozen_at(MOMENT):
            response = client.post(
                reverse("accounts:login"), {"username": username, "password": BENCH_PASSWORD}
            )
            assert response.status_code == 302, username
            assert "password" not in response["Location"], username
            assert "_auth_user_id" in client.session
            client.post(reverse("accounts:logout"))
    office = User.objects.get(username="bench-office")
    assert office.role == Role.OFFICE
    assert TOTPDevice.objects.filter(user=office, confirmed=True).exists()
    staff = User.objects.get(username="bench-staff")
    assert staff.staffed_stations.exists()
    assert ReceptionDay.objects.filter(logged_by=staff).exists()
    assert Suggestion.objects.filter(delegate__user__username="bench-delegate").exists()
    assert Suggestion.objects.filter(handling_unit__members__username="bench-unit").exists()


def _fingerprint():
    return (
        list(
            Suggestion.objects.order_by("pk").values_list(
                "tracking_code", "state", "station__name", "submitted_at", "deadline", "rating"
            )
        ),
        list(SuggestionEvent.objects.order_by("pk").values_list("verb", "actor__username")),
        list(Region.objects.order_by("pk").values_list("name", "path")),
    )


def test_the_same_seed_gives_the_same_data_and_a_filled_database_is_refused(province):
    first = _fingerprint()
    with pytest.raises(CommandError, match="--flush"):
        _generate()
    _generate("--flush")
    assert _fingerprint() == first


def test_the_pages_read_the_generated_trails(province, client):
    """A reopened, closed suggestion's trail on the desk and the tracking page, and the desk
    list of each role, render for the benchmark's accounts."""
    staff = User.objects.get(username="bench-staff")
    suggestion = (
        Suggestion.objects.filter(station__in=staff.staffed_stations.all(), state=State.CLOSED)
        .order_by("-reopen_count", "pk")
        .first()
    )
    with frozen_at(MOMENT):  # the accounts' passwords were set then
        client.force_login(staff)
        detail = client.get(reverse("suggestions:desk_detail", args=[suggestion.pk]))
        assert detail.status_code == 200
        assert suggestion.title in detail.content.decode()
        assert client.get(suggestion.get_tracking_url()).status_code == 200
        for username in ("bench-office", "bench-staff", "bench-delegate", "bench-unit"):
            client.force_login(User.objects.get(username=username))
            assert client.get(reverse("suggestions:desk")).status_code == 200, username


def test_the_text_index_keeps_its_statistics_target(province):
    # generate_scale drops and rebuilds the indexes around the load; the text index's raised
    # statistics target (suggestions/search.py) must survive it, or a rare word is taken for a
    # common one and searched by walking the whole table (1.2 s at a million).
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite keeps its indexes during the load")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'sugg_search_gin_idx'::regclass"
        )
        assert cursor.fetchone()[0] == 1000


def test_the_generated_residents_are_encrypted_and_decrypt(province):
    from congress_portal.crypto import phone_digest
    from congress_portal.masking import normalise_phone

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, submitter_name, submitter_phone, submitter_phone_digest, address "
            "FROM suggestions_suggestion WHERE submitter_phone <> '' ORDER BY id LIMIT 50"
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT resident_representatives FROM meetings_meeting "
            "WHERE resident_representatives <> '' LIMIT 5"
        )
        meetings = [row[0] for row in cursor.fetchall()]
    assert rows and meetings
    by_pk = Suggestion.objects.in_bulk([row[0] for row in rows])
    for pk, name, phone, digest, address in rows:
        assert name.startswith("gAAAA") and phone.startswith("gAAAA")
        s = by_pk[pk]
        assert normalise_phone(s.submitter_phone) == s.submitter_phone
        assert len(s.submitter_phone) == 11 and s.submitter_name
        assert digest == phone_digest(s.submitter_phone)
        assert not address or s.address.endswith("号附近")
    assert all(token.startswith("gAAAA") for token in meetings)
    assert Meeting.objects.exclude(resident_representatives="").first().resident_representatives
