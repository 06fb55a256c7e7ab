"""Workbooks built as the office would fill the template in."""

import io

import openpyxl
import pytest
from django.urls import reverse

from imports.resources import RESOURCES
from stations.models import Region
from tests.stations.factories import RegionFactory


def workbook(kind: str, rows: list[dict], headers: list[str] | None = None) -> bytes:
    """An .xlsx whose first row is the template's headers, then ``rows`` by column name."""
    resource = RESOURCES[kind]
    names = [column.name for column in resource.columns]
    sheet_headers = headers or resource.template_headers()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(sheet_headers)
    for row in rows:
        sheet.append([row.get(name, "") for name in names])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, kind: str, content: bytes, name: str = "list.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("imports:upload", args=[kind]),
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def areas(db):
    """示范区 → 东南街道 → 新华社区 and 新华村 (a village of the same street)."""
    district = RegionFactory(name="示范区", code="340100")
    street = Region.objects.create(name="东南街道", kind=Region.Kind.STREET, parent=district)
    community = Region.objects.create(
        name="新华社区", kind=Region.Kind.COMMUNITY, parent=street, code="340100001001"
    )
    other_street = Region.objects.create(name="西北街道", kind=Region.Kind.STREET, parent=district)
    twin = Region.objects.create(name="新华社区", kind=Region.Kind.COMMUNITY, parent=other_street)
    return {"district": district, "street": street, "community": community, "twin": twin}
