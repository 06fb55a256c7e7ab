import re

import django_filters
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from congress_portal.masking import normalise_phone
from congress_portal.pickers import PickerChoiceField, PickerMultipleChoiceField, clean_query

from .models import Role, User

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class LoginForm(AuthenticationForm):
    """The same message for an unknown user and a wrong password (SECURITY.md 3)."""

    error_messages = {
        "invalid_login": _("The user name or password is not correct. Both are case-sensitive."),
        "inactive": _("The user name or password is not correct. Both are case-sensitive."),
    }

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class EnrolmentTokenForm(forms.Form):
    """Step one of setting up the second factor: the token the office handed over."""

    enrolment_token = forms.CharField(
        label=_("Enrolment token"),
        max_length=64,
        help_text=_("Like ABCD-EFGH-JKMN-PQRS-TUVW. Capitals and dashes do not matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class SecondFactorForm(forms.Form):
    """A six-digit code from the app, or one of the recovery codes."""

    token = forms.CharField(
        label=_("Six-digit code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_token(self):
        token = "".join(ch for ch in self.cleaned_data["token"] if ch.isalnum())
        if not token.isascii() or not token:
            raise forms.ValidationError(
                _("Enter the six digits shown in the app, or one of your recovery codes.")
            )
        return token.lower()

    @property
    def is_totp(self) -> bool:
        token = self.cleaned_data["token"]
        return len(token) == 6 and token.isdigit()


class EnrolmentCodeForm(forms.Form):
    """Step two of setting up: the first code the app shows proves it holds the key."""

    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit() or not token.isascii():
            raise forms.ValidationError(_("Enter the six digits shown in the app."))
        return token


class AccountChoiceForm(forms.Form):
    """Whose second factor the office acts on: a user name, typed (office accounts are few, but
    a picker of every account would not be)."""

    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("There is no account with this user name."))
        self.user = user
        return username


# --- staff accounts: the office's page --------------------------------------------------------


class AccountFilter(django_filters.FilterSet):
    """The office's list of accounts: a search by user name or full name, role, active."""

    q = django_filters.CharFilter(
        label=_("User name or full name"), method="filter_q", max_length=40
    )
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, empty_label=_("All roles")
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=(("1", _("Active")), ("0", _("Deactivated"))),
        method="filter_active",
        empty_label=_("Active and deactivated"),
    )

    class Meta:
        model = User
        fields = ["q", "role", "active"]

    def filter_q(self, queryset, name, value):
        value = clean_query(value)
        if value is None:
            return queryset.none()  # control characters: nothing can match them
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(full_name__contains=value))

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "1")


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


class AccountForm(forms.Form):
    """An account's role, scope, name and phone; the user name only when it is created."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only; the person logs in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    # No role chosen beforehand: an office account must never be made by a missed field.
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role")), *Role.choices])
    stations = PickerMultipleChoiceField(
        "managed_stations",
        label=_("Stations (station staff)"),
        required=False,
        help_text=_("The stations a station-staff account keeps; those under them come along."),
    )
    units = PickerMultipleChoiceField(
        "units",
        label=_("Handling units (unit staff)"),
        required=False,
        params={"active": "1"},
    )
    delegate = PickerChoiceField(
        "delegates",
        label=_("Delegate (delegate accounts)"),
        required=False,
        help_text=_("The delegate record this account speaks for."),
    )

    def __init__(self, *args, actor, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("stations", "units", "delegate"):
            self.fields[name].scope(actor)
        if not creating:
            del self.fields["username"]

    def clean_full_name(self):
        value = self.cleaned_data["full_name"].strip()
        if _CONTROL.search(value):
            raise forms.ValidationError(_("This text contains invisible control characters."))
        return value

    def clean_phone(self):
        raw = self.cleaned_data["phone"]
        if not raw.strip():
            return ""
        phone = normalise_phone(raw)
        if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            raise forms.ValidationError(
                _("Enter a mobile number of 11 digits, or a landline with its area code.")
            )
        return phone
