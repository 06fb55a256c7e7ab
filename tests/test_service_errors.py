"""A service's refusal lands on the field it names, or above the form."""

from django import forms
from django.core.exceptions import ValidationError

from congress_portal.forms import add_service_error


class _Form(forms.Form):
    unit = forms.CharField()


def test_errors_go_to_the_named_field_or_above_the_form():
    form = _Form({"unit": "x"})
    assert form.is_valid()
    add_service_error(form, ValidationError({"unit": "停用", "elsewhere": "别处"}))
    add_service_error(form, ValidationError("整体错误"))
    assert form.errors["unit"] == ["停用"]
    assert form.non_field_errors() == ["别处", "整体错误"]
    assert form.data["unit"] == "x"
