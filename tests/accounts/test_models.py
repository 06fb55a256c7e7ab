import pytest
from django.db import DatabaseError, connection, transaction

from accounts.models import AuditEvent, User
from accounts.services import audit_record
from tests.constraints import refused_by_database

pytestmark = pytest.mark.django_db


def test_a_user_role_outside_the_known_roles_is_refused():
    User.objects.create(username="no-role")

    with refused_by_database("user_role_valid"):
        User.objects.create(username="mayor", role="mayor")


def test_saving_an_existing_audit_event_again_raises(office_user):
    event = audit_record(action="export", actor=office_user, detail={"rows": 3})
    event.action = "nothing"

    with pytest.raises(ValueError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "export"


def test_the_database_refuses_to_update_an_audit_event(office_user):
    event = audit_record(action="export", actor=office_user)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing")
    assert AuditEvent.objects.get(pk=event.pk).action == "export"


def test_deleting_an_audit_event_through_the_model_raises(office_user):
    event = audit_record(action="export", actor=office_user)

    with pytest.raises(ValueError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgresql_refuses_to_delete_a_fresh_audit_event(office_user):
    event = audit_record(action="export", actor=office_user)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM accounts_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()
