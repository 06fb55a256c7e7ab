"""The services themselves: office only; a run that fails saves nothing and is audited."""

import pytest

from accounts.models import AuditEvent
from imports.services import NotAllowed, bulk_import_preview, bulk_import_run
from stations.models import Station
from tests.imports.conftest import workbook
from tests.imports.test_stations import station_row

pytestmark = pytest.mark.django_db


def test_a_run_with_a_bad_row_saves_nothing_and_is_audited_as_failed(office_user, areas):
    content = workbook("stations", [station_row(1), station_row(2, region="火星")])

    outcome = bulk_import_run(actor=office_user, kind="stations", content=content)

    assert not outcome.ok
    assert not Station.objects.exists()
    event = AuditEvent.objects.get(action="bulk_import")
    assert event.outcome == AuditEvent.Outcome.FAILURE
    assert event.detail == {"kind": "stations", "rows": 2, "new": 0, "updated": 0, "errors": 1}


def test_only_the_office_may_call_the_services(station_staff_user, areas):
    content = workbook("stations", [station_row(1)])

    with pytest.raises(NotAllowed):
        bulk_import_preview(actor=station_staff_user, kind="stations", content=content)
    with pytest.raises(NotAllowed):
        bulk_import_run(actor=station_staff_user, kind="stations", content=content)
    assert not Station.objects.filter(name="新华1号代表联络站").exists()
