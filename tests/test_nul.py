"""A NUL character in a query string never reaches a query, a link or the audit log
(PostgreSQL refuses it: ``?overdue=on%00`` on a ledger was a 500)."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_ledger_filter_with_nul_exports_and_is_audited_clean(client, office_user, submit):
    from django.test import TestCase

    client.force_login(office_user)
    page = client.get(
        reverse("dashboard:ledger_suggestions") + "?overdue=on%00&q=%00路灯", follow=True
    )
    assert page.status_code == 200
    assert "\x00" not in page.content.decode()
    params = dict(page.context["params"])
    assert params == {"overdue": "on", "q": "路灯"}
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("dashboard:ledger_export_create"), {"kind": "suggestions", **params})
    event = AuditEvent.objects.get(action="ledger.export")
    assert "\x00" not in str(event.detail)
    assert "路灯" in str(event.detail)


@pytest.mark.parametrize(
    "name, query",
    [
        ("suggestions:desk", "?q=%00路灯&overdue=on%00&state=new%00"),
        ("dashboard:dashboard", "?year=2026%00&period=%00"),
        ("dashboard:public", "?q=路%00灯&status=closed%00"),
        ("stations:list", "?q=%00站"),
        ("delegates:list", "?q=zh%00"),
    ],
)
def test_pages_answer_and_echo_no_nul(client, office_user, name, query):
    client.force_login(office_user)
    response = client.get(reverse(name) + query)
    assert response.status_code == 200
    body = response.content.decode()
    assert "\x00" not in body
    assert "%00" not in body


def test_the_view_sees_the_cleaned_values(rf):
    from congress_portal.middleware import QueryStringNulMiddleware

    seen = {}

    def view(request):
        seen["q"] = request.GET.getlist("q")
        seen["full"] = request.get_full_path()
        return None

    request = rf.get("/desk/?q=a%00b&q=%00c")
    QueryStringNulMiddleware(view)(request)
    assert seen["q"] == ["ab", "c"]
    assert "%00" not in seen["full"]
