from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import User


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
