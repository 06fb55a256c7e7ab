import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.masking import normalise_phone
from stations.models import Region, Station

from .images import clean_photo
from .models import Category, RatingValue

MAX_PHOTOS = 4
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


def clean_text(value: str) -> str:
    """Refuse control characters (NUL and friends) instead of storing them."""
    if _CONTROL.search(value or ""):
        raise ValidationError(gettext("This text contains invisible control characters."))
    return (value or "").strip()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS photos, each checked and re-encoded by ``clean_photo``."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                gettext("Attach at most %(n)d photos.") % {"n": MAX_PHOTOS}, code="too_many"
            )
        return [clean_photo(super(PhotosField, self).clean(file, initial)) for file in files]


class SuggestionForm(forms.Form):
    """The resident's form: what, where, optionally who; consent kept separate."""

    # Per-form idempotency key (SECURITY.md 22). A client that drops it still gets through,
    # with a fresh key: it merely loses the double-post protection.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    station = forms.ModelChoiceField(
        label=_("Which station should handle it"),
        queryset=Station.objects.none(),
        empty_label=_("Choose a station"),
        help_text=_("The station nearest to where the problem is."),
    )
    category = forms.ModelChoiceField(
        label=_("What is it about"),
        queryset=Category.objects.none(),
        empty_label=_("Choose a topic"),
    )
    title = forms.CharField(
        label=_("In one line"),
        max_length=100,
        help_text=_("For example: the street lamps on Xinmin Road are out."),
    )
    content = forms.CharField(
        label=_("Details"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is the problem, since when, who is affected, what you suggest."),
    )
    place = forms.ModelChoiceField(
        label=_("Community or village"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("Not sure / not listed"),
    )
    address = forms.CharField(
        label=_("Where exactly"),
        max_length=200,
        required=False,
        help_text=_("A street, building or landmark helps the delegate find it."),
    )
    photos = PhotosField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to 4 photos, JPEG, PNG or WebP. Location data in photos is removed."),
    )
    anonymous = forms.BooleanField(
        label=_("I want to stay anonymous (no name or phone; I follow it with the code)"),
        required=False,
    )
    submitter_name = forms.CharField(label=_("Your name (optional)"), max_length=40, required=False)
    submitter_phone = forms.CharField(
        label=_("Your phone"),
        max_length=30,
        required=False,
        help_text=_("So that the delegate can call you back. Only the office can see it in full."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    privacy = forms.BooleanField(
        label=_(
            "I have read the privacy notice above and agree that my suggestion is processed "
            "as it says."
        ),
        error_messages={"required": _("Please read and accept the privacy notice to submit.")},
    )
    consent_disclosure = forms.BooleanField(
        label=_(
            "The suggestion and its reply may be published on the public board, without "
            "my name or phone."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(is_active=True).order_by("name")
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.name}（{c.description}）" if c.description else c.name
        )
        self.fields["place"].queryset = (
            Region.objects.filter(kind__in=(Region.Kind.COMMUNITY, Region.Kind.VILLAGE))
            .select_related("parent")
            .order_by("parent__name", "name")
        )
        self.fields["place"].label_from_instance = lambda r: (
            f"{r.parent.name} · {r.name}" if r.parent_id else r.name
        )
        if not self.is_bound and "submission_key" not in self.initial:
            self.initial["submission_key"] = uuid.uuid4()

    def clean_title(self):
        return clean_text(self.cleaned_data["title"])

    def clean_content(self):
        return clean_text(self.cleaned_data["content"])

    def clean_address(self):
        return clean_text(self.cleaned_data["address"])

    def clean_submitter_name(self):
        return clean_text(self.cleaned_data["submitter_name"])

    def clean_submitter_phone(self):
        raw = self.cleaned_data["submitter_phone"]
        if not raw.strip():
            return ""
        if _CONTROL.search(raw):
            raise ValidationError(gettext("This text contains invisible control characters."))
        phone = normalise_phone(raw)
        if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            raise ValidationError(
                gettext("Enter a mobile number of 11 digits, or a landline with its area code."),
                code="phone",
            )
        return phone

    def clean_submission_key(self):
        return self.cleaned_data.get("submission_key") or uuid.uuid4()

    def clean(self):
        data = super().clean()
        if "submission_key" not in data:
            data["submission_key"] = uuid.uuid4()
        if data.get("anonymous"):
            data["submitter_name"] = ""
            data["submitter_phone"] = ""
        return data


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=40,
        help_text=_(
            "Twelve letters and digits, for example 7K3M-9QXA-4T2B. Dashes and spaces "
            "do not matter."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class RatingForm(forms.Form):
    value = forms.ChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=RatingValue.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "If you are not satisfied, say what is still wrong: it goes back to the delegate."
        ),
    )

    def clean_comment(self):
        return clean_text(self.cleaned_data["comment"])
