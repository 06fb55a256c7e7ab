"""Excel ledgers reopened with openpyxl: the right rows, no formulas, masked phones, a footer,
an audit record with the row count; scoped like the screens they come from."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEvent
from congress_portal.clock import frozen_at
from delegates.models import Activity
from stations.models import ReceptionDay
from suggestions import services
from suggestions.models import Suggestion

from .conftest import TODAY

PHONE = re.compile(r"1[3-9]\d{9}")
LEDGERS = [
    "dashboard:ledger_suggestions",
    "dashboard:ledger_receptions",
    "dashboard:ledger_activities",
    "dashboard:ledger_performance",
]


def open_ledger(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(content))
    return workbook.active


def records(sheet):
    """The data rows: between the header and the blank line before the footer."""
    rows = list(sheet.iter_rows())
    data = []
    for row in rows[1:]:
        if all(cell.value is None for cell in row):
            break
        data.append(row)
    return data


def footer(sheet) -> str:
    return " ".join(
        str(row[0].value) for row in sheet.iter_rows(min_row=sheet.max_row - 1) if row[0].value
    )


def all_cells(sheet):
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.django_db
@pytest.mark.parametrize("name", LEDGERS)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_ledger_page_needs_login(client):
    response = client.get(reverse("dashboard:ledgers"))
    assert response.status_code == 302


@pytest.mark.django_db
def test_office_suggestion_ledger_has_one_row_per_suggestion_masked_and_audited(
    client, district, today_frozen
):
    client.force_login(district.office)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions")))

    rows = records(sheet)
    assert len(rows) == Suggestion.objects.count()
    codes = {row[1].value for row in rows}
    assert codes == set(Suggestion.objects.values_list("tracking_code", flat=True))
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width >= 20
    for cell in all_cells(sheet):
        assert cell.data_type != "f"
        if isinstance(cell.value, str):
            assert not PHONE.search(cell.value), cell.value
    # The phone column shows the masked number.
    assert any(str(row[8].value).startswith("138****") for row in rows)
    assert district.office.display_name in footer(sheet)
    event = AuditEvent.objects.get(action="ledger.export", object_id="suggestions")
    assert event.detail["rows"] == len(rows)
    assert event.detail["phones"] == "masked"
    assert event.actor == district.office


@pytest.mark.django_db
def test_office_with_the_reveal_right_exports_full_phones(client, district, today_frozen):
    office = district.office
    office.user_permissions.add(Permission.objects.get(codename="reveal_phone"))
    client.force_login(office)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions")))
    phones = {row[8].value for row in records(sheet)}
    assert set(Suggestion.objects.values_list("submitter_phone", flat=True)) <= phones
    assert AuditEvent.objects.get(action="ledger.export").detail["phones"] == "full"


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_is_written_as_text(client, district, today_frozen):
    titles = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(A1)"]
    with frozen_at(TODAY):
        for title in titles:
            services.suggestion_submit(
                title=title,
                content="=cmd|' /C calc'!A0",
                category=district.cat1,
                station=district.a,
            )
    client.force_login(district.office)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions"), {"q": "1"}))
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions")))
    found = {row[2].value: row[2] for row in records(sheet)}
    for title in titles:
        cell = found[title]
        assert cell.data_type == "s"
        assert cell.value == title
        assert cell.quotePrefix
    for cell in all_cells(sheet):
        assert cell.data_type != "f"


@pytest.mark.django_db
def test_suggestion_ledger_takes_the_desk_filters(client, district, today_frozen):
    client.force_login(district.office)
    params = {"station": district.c.pk, "submitted_after": "2026-02-01"}
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions"), params))
    expected = Suggestion.objects.filter(
        station=district.c, submitted_at__date__gte="2026-02-01"
    ).count()
    assert expected > 0
    assert len(records(sheet)) == expected
    assert "2026-02-01" in footer(sheet)


@pytest.mark.django_db
def test_station_staff_export_only_their_station(client, district, today_frozen):
    client.force_login(district.staff_a)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions")))
    assert {row[5].value for row in records(sheet)} == {district.a.name}
    assert len(records(sheet)) == Suggestion.objects.filter(station=district.a).count()
    # Asking for another station exports nothing of it.
    response = client.get(reverse("dashboard:ledger_suggestions"), {"station": district.c.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:ledgers")


@pytest.mark.django_db
def test_unit_staff_see_no_resident_contact(client, district, today_frozen):
    client.force_login(district.unit1_user)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_suggestions")))
    rows = records(sheet)
    assert len(rows) == Suggestion.objects.filter(handling_unit=district.unit1).count()
    for row in rows:
        assert row[8].value is None  # phone
        assert row[9].value is None  # address
        assert "*" in row[7].value  # name masked to the surname
    assert client.get(reverse("dashboard:ledger_receptions")).status_code == 404


@pytest.mark.django_db
def test_reception_ledger(client, district, today_frozen):
    client.force_login(district.staff_a)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_receptions")))
    rows = records(sheet)
    assert len(rows) == ReceptionDay.objects.filter(station=district.a).count() == 3
    assert sum(row[9].value for row in rows) == 11 + 12 + 13
    assert (
        AuditEvent.objects.get(action="ledger.export", object_id="receptions").detail["rows"] == 3
    )
    client.force_login(district.staff_c)
    assert records(open_ledger(client.get(reverse("dashboard:ledger_receptions")))) == []


@pytest.mark.django_db
def test_activity_ledger(client, district, today_frozen):
    activity = Activity.objects.create(
        kind=Activity.Kind.VISIT,
        title="-走访困难群众",
        date=TODAY.date(),
        station=district.a,
        residents_contacted=5,
    )
    activity.participants.add(district.delegate_ab)
    other = Activity.objects.create(
        kind=Activity.Kind.RESEARCH, title="西镇调研", date=TODAY.date(), station=district.c
    )
    other.participants.add(district.delegate_c)
    client.force_login(district.staff_a)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_activities")))
    rows = records(sheet)
    assert [row[3].value for row in rows] == ["-走访困难群众"]
    assert rows[0][3].data_type == "s"
    assert rows[0][6].value == district.delegate_ab.name
    client.force_login(district.office)
    assert len(records(open_ledger(client.get(reverse("dashboard:ledger_activities"))))) == 2


@pytest.mark.django_db
def test_performance_ledger_has_one_row_per_delegate(client, district, today_frozen):
    pytest.importorskip("delegates.performance")
    client.force_login(district.office)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_performance"), {"year": 2026}))
    names = [row[1].value for row in records(sheet)]
    assert sorted(names) == sorted([district.delegate_ab.name, district.delegate_c.name])
    client.force_login(district.staff_c)
    sheet = open_ledger(client.get(reverse("dashboard:ledger_performance")))
    assert [row[1].value for row in records(sheet)] == [district.delegate_c.name]


@pytest.mark.django_db
def test_ledger_page_offers_the_exports(client, district):
    client.force_login(district.staff_a)
    response = client.get(reverse("dashboard:ledgers"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("dashboard:ledger_suggestions") in html
    assert reverse("dashboard:ledger_receptions") in html
