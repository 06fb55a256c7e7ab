"""The office imports handling units."""

import pytest
from django.urls import reverse

from suggestions.models import HandlingUnit
from tests.imports.conftest import upload, workbook

pytestmark = pytest.mark.django_db


def test_units_are_imported_with_parents_and_contacts(office_client, areas):
    rows = [
        {"name": "示范区住建局", "level": "县（区）级部门", "region": "示范区"},
        {
            "name": "东南街道办事处",
            "level": "乡镇",
            "parent": "示范区住建局",
            "region": "示范区/东南街道",
            "contact_name": "李明",
            "contact_phone": "13800138001",
        },
    ]
    response = upload(office_client, "units", workbook("units", rows))
    assert response.status_code == 302
    preview = office_client.get(response["Location"])
    assert b'data-new="2"' in preview.content
    token = response["Location"].rstrip("/").split("/")[-1]

    office_client.post(reverse("imports:confirm", args=[token]))

    unit = HandlingUnit.objects.get(name="东南街道办事处")
    assert unit.level == HandlingUnit.Level.TOWNSHIP
    assert unit.parent.name == "示范区住建局"
    assert unit.region == areas["street"]
    assert unit.contact_phone == "13800138001"


def test_an_unknown_parent_unit_is_a_row_error(office_client, areas):
    rows = [{"name": "东南街道办事处", "level": "乡镇", "parent": "不存在的单位"}]
    response = upload(office_client, "units", workbook("units", rows))

    html = office_client.get(response["Location"]).content.decode()

    assert 'data-status="error"' in html and "不存在的单位" in html
