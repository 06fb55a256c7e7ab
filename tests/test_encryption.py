"""Residents' personal data is encrypted at rest (congress_portal/crypto.py): the raw columns
hold tokens, exact phone matches go through a keyed digest, keys rotate, erasure still erases."""

import datetime
import io

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from congress_portal import crypto
from congress_portal.checks import encryption_problems
from delegates.models import FixedContact
from delegates.services import fixed_contact_add
from meetings.models import Meeting
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _raw(table, column, pk):
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {qn(column)} FROM {qn(table)} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _raw_suggestion(pk):
    return {
        column: _raw("suggestions_suggestion", column, pk)
        for column in ("submitter_name", "submitter_phone", "address", "submitter_phone_digest")
    }


def test_the_database_holds_no_plain_name_phone_or_address(submit):
    s = submit(submitter_phone="+86 138-0013-8000", address="新民路12号3单元")
    raw = _raw_suggestion(s.pk)
    assert "13800138000" not in raw["submitter_phone"]
    assert "王大妈" not in raw["submitter_name"]
    assert "新民路" not in raw["address"]
    assert raw["submitter_phone"].startswith("gAAAA")  # a Fernet token
    # The keyed digest of the normalised number, not of what was typed.
    assert raw["submitter_phone_digest"] == crypto.phone_digest("13800138000")
    assert len(raw["submitter_phone_digest"]) == 64
    fresh = Suggestion.objects.get(pk=s.pk)
    assert (fresh.submitter_name, fresh.submitter_phone, fresh.address) == (
        "王大妈",
        "13800138000",
        "新民路12号3单元",
    )


def test_two_equal_phones_get_different_ciphertexts_and_one_digest(submit):
    first, second = submit(), submit(submitter_phone="１３８００１３８０００")
    assert (
        _raw_suggestion(first.pk)["submitter_phone"]
        != (_raw_suggestion(second.pk)["submitter_phone"])
    )
    digest = crypto.phone_digest("13800138000")
    assert set(
        Suggestion.objects.filter(submitter_phone_digest=digest).values_list("pk", flat=True)
    ) == {first.pk, second.pk}


def test_the_digest_needs_the_hash_key(settings):
    digest = crypto.phone_digest("13800138000")
    settings.FIELD_HASH_KEY = "another-key"
    assert crypto.phone_digest("13800138000") != digest
    assert crypto.phone_digest("") == ""


def test_an_encrypted_column_cannot_be_queried_by_its_value(submit):
    submit()
    with pytest.raises(TypeError, match="digest"):
        Suggestion.objects.filter(submitter_phone="13800138000").count()
    with pytest.raises(FieldError):
        Suggestion.objects.filter(submitter_name__icontains="王").count()
    # "Has no phone" still works: the empty value is stored empty.
    assert Suggestion.objects.filter(submitter_phone="").count() == 0
    assert Suggestion.objects.exclude(submitter_phone="").count() == 1


def test_a_name_longer_than_its_limit_is_refused(submit):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        submit(submitter_name="王" * 41)


def test_fixed_contacts_and_meeting_residents_are_encrypted(delegate, delegate_user, station):
    contact = fixed_contact_add(actor=delegate_user, delegate=delegate, name="李秀英")
    assert "李秀英" not in _raw("delegates_fixedcontact", "name", contact.pk)
    assert FixedContact.objects.get(pk=contact.pk).name == "李秀英"
    meeting = Meeting.objects.create(
        kind=Meeting.Kind.BRIEFING,
        title="议事会",
        station=station,
        date=datetime.date(2026, 5, 1),
        resident_representatives="张建华、刘桂珍",
    )
    assert "张建华" not in _raw("meetings_meeting", "resident_representatives", meeting.pk)
    assert Meeting.objects.get(pk=meeting.pk).resident_representatives == "张建华、刘桂珍"


def test_erasure_empties_the_columns_and_the_digest(walk_to, settings):
    from congress_portal.clock import frozen_at
    from suggestions.models import State

    s = walk_to(State.CLOSED)
    with frozen_at(
        s.closed_at + datetime.timedelta(days=settings.PORTAL_CONTACT_RETENTION_DAYS + 1)
    ):
        call_command("erase_contacts")
    raw = _raw_suggestion(s.pk)
    assert raw["submitter_name"] == raw["submitter_phone"] == raw["submitter_phone_digest"] == ""


def test_rotation_reencrypts_with_the_new_key_and_the_old_key_can_go(settings, submit):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    s = submit(address="新民路12号")
    other = submit(submitter_phone="", submitter_name="")
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    # New writes use the newest key at once; the old rows still read.
    assert Suggestion.objects.get(pk=s.pk).submitter_phone == "13800138000"
    out = io.StringIO()
    call_command("rotate_field_keys", batch=1, stdout=out)
    assert "suggestions.Suggestion: 2 rows, 3 values re-encrypted, 0 digests" in out.getvalue()
    new_only = Fernet(NEW_KEY)
    raw = _raw_suggestion(s.pk)
    assert new_only.decrypt(raw["submitter_phone"].encode()) == b"13800138000"
    assert new_only.decrypt(raw["address"].encode()).decode() == "新民路12号"
    assert _raw_suggestion(other.pk)["submitter_phone"] == ""
    # Again: nothing left to do.
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "suggestions.Suggestion: 2 rows, 0 values re-encrypted" in out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    fresh = Suggestion.objects.get(pk=s.pk)
    assert (fresh.submitter_phone, fresh.submitter_name) == ("13800138000", "王大妈")


def test_rotation_recomputes_the_digests_under_a_new_hash_key(settings, submit):
    s = submit()
    settings.FIELD_HASH_KEY = "a-new-hash-key-for-the-digests"
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "1 digests recomputed" in out.getvalue()
    assert _raw_suggestion(s.pk)["submitter_phone_digest"] == crypto.phone_digest("13800138000")


def test_a_key_removed_too_early_is_a_clear_error(settings, submit):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    s = submit()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(crypto.DecryptionError, match="rotate_field_keys"):
        Suggestion.objects.get(pk=s.pk)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_field_keys", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("setting", "value", "check_id"),
    [
        ("FIELD_ENCRYPTION_KEYS", [], "portal.E002"),
        ("FIELD_ENCRYPTION_KEYS", ["not-a-fernet-key"], "portal.E002"),
        ("FIELD_HASH_KEY", "", "portal.E003"),
        ("BACKUP_ENCRYPTION_KEY", "", "portal.E004"),
        ("BACKUP_ENCRYPTION_KEY", "c2hvcnQ=", "portal.E004"),
    ],
)
def test_check_deploy_refuses_production_without_keys(settings, setting, value, check_id):
    assert encryption_problems() == []
    setattr(settings, setting, value)
    ids = {error.id for error in run_checks(include_deployment_checks=True)}
    assert check_id in ids


def test_the_application_refuses_to_start_without_the_field_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    from congress_portal.checks import require_secret_key

    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        require_secret_key()


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_existing_rows_and_decrypt_them_backwards(submit):
    s = submit(address="新民路12号")
    executor = MigrationExecutor(connection)
    before = [("suggestions", "0005_schedule_orphan_sweep")]
    latest = executor.loader.graph.leaf_nodes("suggestions")
    try:
        executor.migrate(before)
        plain = {
            column: _raw("suggestions_suggestion", column, s.pk)
            for column in ("submitter_name", "submitter_phone", "address")
        }
        assert plain == {
            "submitter_name": "王大妈",
            "submitter_phone": "13800138000",
            "address": "新民路12号",
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    raw = _raw_suggestion(s.pk)
    assert "13800138000" not in raw["submitter_phone"]
    assert raw["submitter_phone_digest"] == crypto.phone_digest("13800138000")
    fresh = Suggestion.objects.get(pk=s.pk)
    assert (fresh.submitter_name, fresh.submitter_phone, fresh.address) == (
        "王大妈",
        "13800138000",
        "新民路12号",
    )
    # The text index's SQLite triggers survived the table rebuilds.
    from suggestions.search import text_search

    assert Suggestion.objects.filter(text_search("路灯"), pk=s.pk).exists()
