"""A program that knows none of our field names fills the resident form the way a generic
form filler does (by input type, first real option, required boxes ticked) and gets a code."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db

FILL_BY_TYPE = {"tel": "13800138000", "email": "a@example.com", "number": "1"}


class FormReader(HTMLParser):
    """Every form with method post and the fields a browser would submit; the main form is
    the one with the most fields (the header's language switch is a form too)."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.data: dict[str, str] = {}
        self.select = None

    @property
    def main(self) -> tuple[str, dict[str, str]]:
        return max(self.forms, key=lambda form: len(form[1]))

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.in_form, self.data = True, {}
            self.forms.append((a.get("action") or "", self.data))
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind == "hidden":
                self.data[name] = a.get("value", "")
            elif kind == "checkbox":
                if "required" in a:
                    self.data[name] = a.get("value", "on")
            elif a.get("tabindex") == "-1":
                pass  # out of the tab order, as a person filling the form never reaches it
            elif kind not in ("file", "submit", "button"):
                value = FILL_BY_TYPE.get(kind, "测试填写的内容")
                self.data[name] = value[: int(a.get("maxlength", 1000))]
        elif tag == "textarea" and name:
            self.data[name] = "这是一段由程序填写的说明文字。"
        elif tag == "select" and name:
            self.select = name
        elif tag == "option" and self.select and a.get("value") and self.select not in self.data:
            self.data[self.select] = a["value"]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        if tag == "form":
            self.in_form = False


def test_a_form_filler_that_knows_no_field_names_gets_a_tracking_code(client, station, category):
    # It fills what a person can reach; the honeypot (out of the tab order) stays empty.
    page = client.get(reverse("suggestions:new"))
    reader = FormReader()
    reader.feed(page.content.decode())
    action, data = reader.main
    response = client.post(action or reverse("suggestions:new"), data, follow=True)
    suggestion = Suggestion.objects.get()
    assert suggestion.formatted_code in response.content.decode()
    assert re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", response.content.decode())


def test_a_robot_that_fills_every_field_gets_no_tracking_code(client, station, category):
    page = client.get(reverse("suggestions:new"))
    reader = FormReader()
    reader.feed(page.content.decode().replace('tabindex="-1"', ""))
    action, data = reader.main
    response = client.post(action or reverse("suggestions:new"), data)
    assert response.status_code == 200
    assert not Suggestion.objects.exists()
