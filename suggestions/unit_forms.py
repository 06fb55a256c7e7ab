"""Forms of the office's handling-unit pages (``suggestions.unit_views``)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from congress_portal.masking import normalise_phone
from congress_portal.pickers import PickerChoiceField, clean_query

from .forms import clean_text
from .models import HandlingUnit


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Unit name"), method="filter_q", max_length=40)
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=HandlingUnit.Level.choices, empty_label=_("All levels")
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=(("1", _("Active")), ("0", pgettext_lazy("unit", "Closed"))),
        method="filter_active",
        empty_label=_("Active and closed"),
    )

    class Meta:
        model = HandlingUnit
        fields = ["q", "level", "active"]

    def filter_q(self, queryset, name, value):
        value = clean_query(value)
        if value is None:
            return queryset.none()  # control characters: nothing can match them
        if not value:
            return queryset
        lookup = "name__contains" if value.lower() == value.upper() else "name__icontains"
        return queryset.filter(**{lookup: value})

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


class UnitForm(forms.ModelForm):
    parent = PickerChoiceField("units", label=_("Parent unit"), required=False)
    region = PickerChoiceField("areas", label=_("Area"), required=False)

    class Meta:
        model = HandlingUnit
        fields = ["name", "level", "parent", "region", "contact_name", "contact_phone"]

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].scope(actor)
        self.fields["region"].scope(actor)

    def clean_name(self):
        return clean_text(self.cleaned_data["name"])

    def clean_contact_name(self):
        return clean_text(self.cleaned_data["contact_name"])

    def clean_contact_phone(self):
        value = clean_text(self.cleaned_data["contact_phone"])
        if value and not 7 <= len(normalise_phone(value)) <= 12:
            raise forms.ValidationError(_("Enter a phone number with its area code."))
        return normalise_phone(value)


class UnitMemberForm(forms.Form):
    account = PickerChoiceField(
        "unit_staff_accounts",
        label=_("Staff account"),
        help_text=_("An active handling-unit staff account, by user name or full name."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].scope(actor)


class UnitDeactivateForm(forms.Form):
    successor = PickerChoiceField(
        "units",
        label=_("Successor unit"),
        required=False,
        params={"active": "1"},
        help_text=_("The unit that takes over the open suggestions and the categories."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].scope(actor)
