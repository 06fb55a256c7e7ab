import re
import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from congress_portal.masking import normalise_phone
from congress_portal.pickers import (
    GRASSROOTS_KINDS,
    Picker,
    PickerChoiceField,
    _areas_of_kind,
    _search_areas,
    area_label,
    parse_id,
    register,
)
from stations.models import Region, Station

from .codes import normalise_code
from .images import clean_photo
from .models import Category, Channel, FeedbackChannel, RatingValue

MAX_PHOTOS = 4
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


def clean_text(value: str) -> str:
    """Refuse control characters (NUL and friends) instead of storing them."""
    if _CONTROL.search(value or ""):
        raise ValidationError(gettext("This text contains invisible control characters."))
    return (value or "").strip()


class TelInput(forms.TextInput):
    """A phone field: phones show the digit keypad, form fillers know what to put in."""

    input_type = "tel"


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


def _areas_of_station(queryset, value):
    """The communities a suggestion to a station may be about (``station_place_area``)."""
    area = station_place_area(chosen_station(parse_id(value)))
    if area is None:
        return queryset.none()
    return queryset.filter(path__startswith=area.path)


# The resident form's place: the public areas picker, narrowed by the station chosen on the
# page (its JavaScript forwards the station field's value as ``station``).
register(
    Picker(
        name="station_areas",
        model=Region,
        scope=lambda user: Region.objects.order_by("depth", "name"),
        search=_search_areas,
        label=area_label,
        narrowers={"kind": _areas_of_kind, "station": _areas_of_station},
        public=True,
        related=("parent__parent",),
    )
)


HONEYPOT_FIELD = "website"


class SuggestionForm(forms.Form):
    """The resident's form: what, where, optionally who; consent kept separate."""

    # Per-form idempotency key (SECURITY.md 22). A client that drops it still gets through,
    # with a fresh key: it merely loses the double-post protection.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    # A honeypot: people never see it (hidden by CSS, out of the tab order, aria-hidden).
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # A searching picker over the active stations: the whole list when there are few, otherwise
    # only the chosen one (Tom Select searches /pick/stations/ with JavaScript; without it the
    # station finder of the page, STATION_FINDER_FIELD, picks one by a round trip).
    station = PickerChoiceField(
        "stations",
        params={"active": "1"},
        label=_("Which station should handle it"),
        empty_label=_("Choose a station"),
        help_text=_("The station nearest to where the problem is."),
        error_messages={
            "invalid_choice": _(
                "That station is not on the list of stations you can choose. Search for "
                "your street or community and choose one of the stations found."
            ),
            "required": _("Choose the station that should handle it."),
        },
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
    # The communities and villages in the chosen station's area only (a dozen, rendered whole);
    # with JavaScript the picker follows a station chosen on the page.
    place = PickerChoiceField(
        "station_areas",
        params={"kind": GRASSROOTS_KINDS},
        forward={"station": "station"},
        label=_("Community or village"),
        required=False,
        empty_label=_("Not sure / not listed"),
        error_messages={
            "invalid_choice": _(
                "That community is not in the area of the chosen station. Choose one from "
                "the list, or “Not sure / not listed”."
            )
        },
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
        widget=TelInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
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
        self.fields["station"].scope(None)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self.fields["category"].label_from_instance = lambda c: (
            f"{c.name}（{c.description}）" if c.description else c.name
        )
        # The station as chosen so far (posted, or ?station= from a station's page), so that
        # the place offers only the communities of its area.
        raw = self.data.get("station") if self.is_bound else self.initial.get("station")
        self.chosen_station = chosen_station(raw)
        self.place_area = station_place_area(self.chosen_station)
        place = self.fields["place"].scope(None)
        if self.place_area is not None:
            # What the "within" narrower does, from the path already at hand; the parameter
            # goes into the picker's URL for the JavaScript search.
            place.queryset = place.queryset.filter(path__startswith=self.place_area.path)
            place.widget.picker_params = {
                **place.widget.picker_params,
                "station": self.chosen_station.pk,
            }
        elif not self.is_bound and self.fields["station"].searches:
            # No station yet among thousands: the communities are a searching picker that
            # follows the station chosen with JavaScript (no rows to render, so no query for
            # them); without JavaScript they are offered once the finder has picked a station.
            place.widget.__dict__["_picker_head"] = (place.queryset, [], False)
        if not self.is_bound and "submission_key" not in self.initial:
            self.initial["submission_key"] = uuid.uuid4()

    @property
    def needs_station_step(self) -> bool:
        """True when no station is chosen yet and there are too many to list: the page then
        shows the station finder before the place, which depends on the station."""
        return self.chosen_station is None and self.fields["station"].searches

    def clean_title(self):
        return clean_text(self.cleaned_data["title"])

    def clean_content(self):
        return clean_text(self.cleaned_data["content"])

    def clean_address(self):
        return clean_text(self.cleaned_data["address"])

    def clean_submitter_name(self):
        return clean_text(self.cleaned_data["submitter_name"])

    def clean_submitter_phone(self):
        return clean_resident_phone(self.cleaned_data["submitter_phone"])

    def clean_submission_key(self):
        return self.cleaned_data.get("submission_key") or uuid.uuid4()

    def clean(self):
        data = super().clean()
        # The honeypot (HONEYPOT_FIELD): hidden from people and from screen readers; a robot
        # that fills every field fills it too. Said above the form, where a person sees it.
        if data.get(HONEYPOT_FIELD):
            raise ValidationError(
                gettext("This form could not be sent. Please try again without autofill."),
                code="honeypot",
            )
        if "submission_key" not in data:
            data["submission_key"] = uuid.uuid4()
        if data.get("anonymous"):
            data["submitter_name"] = ""
            data["submitter_phone"] = ""
        return data


def chosen_station(raw) -> Station | None:
    """The active station a posted or linked id names, with its area; None for anything else
    (empty, "abc", a huge number, an inactive or unknown station)."""
    text = str(raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return (
        Station.objects.filter(pk=int(text), is_active=True)
        .select_related("region")
        .only("id", "name", "region__id", "region__path", "region__kind", "region__parent_id")
        .first()
    )


def station_place_area(station: Station | None) -> Region | None:
    """The area whose communities and villages a suggestion to ``station`` may be about: the
    station's own area, or the street above it when the station sits in a community (a
    contact point serves its neighbours too)."""
    if station is None:
        return None
    area = station.region
    if area.is_grassroots and area.parent_id:
        # The parent's path is the area's less its last id: no query for it.
        return Region(pk=area.parent_id, path=area.path[: area.path.rstrip("/").rfind("/") + 1])
    return area


class StationFinderForm(forms.Form):
    """The no-JavaScript station step of the resident form: a search posted with the rest of
    the form (so nothing typed is lost), answered with the stations found as buttons."""

    station_q = forms.CharField(
        label=_("Find your station: street, community, village or station name"),
        max_length=40,
        required=False,
    )

    def clean_station_q(self):
        return clean_text(self.cleaned_data["station_q"])


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


def clean_resident_phone(raw: str) -> str:
    """A resident's phone, normalised (full-width digits, +86, dashes), or "" when left empty;
    a translated error for anything that is no mobile or landline number."""
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


class SupportForm(forms.Form):
    """附议: "I have this problem too", with a phone to be told of the outcome if wished."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Your phone (optional)"),
        max_length=30,
        required=False,
        help_text=_(
            "Leave it to be told when this suggestion is answered. It is shown masked and "
            "erased with the suggestion's contact data."
        ),
        widget=TelInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    privacy = forms.BooleanField(
        label=_(
            "I agree that my support, and my phone if I leave it, are kept to tell me of "
            "the outcome, as the privacy notice says."
        ),
        error_messages={"required": _("Please accept the privacy notice to add your support.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "submission_key" not in self.initial:
            self.initial["submission_key"] = uuid.uuid4()

    def clean_phone(self):
        return clean_resident_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get(HONEYPOT_FIELD):
            raise ValidationError(
                gettext("This form could not be sent. Please try again without autofill."),
                code="honeypot",
            )
        return data


# --- Staff forms (the desk) -------------------------------------------------------------------

STAFF_CHANNELS = [
    (value, label)
    for value, label in Channel.choices
    if value not in (Channel.ONLINE, Channel.DIARY)
]
MAX_REPLY_FILES = 4
MAX_REPLY_FILE_BYTES = 10 * 1024 * 1024


# Past this many stations kept, the staff form's place waits for the station to be chosen.
MAX_OWN_AREAS = 50


class StaffSuggestionForm(forms.Form):
    """Station staff, delegates and the office enter what they heard: at a reception day, on a
    visit, by phone, WeChat or letter. The resident's data is optional, as on the public form."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    channel = forms.ChoiceField(label=_("How it was heard"), choices=STAFF_CHANNELS)
    station = PickerChoiceField(
        "kept_stations",
        params={"active": "1"},
        label=_("Station"),
        empty_label=_("Choose a station"),
    )
    reception_day = PickerChoiceField(
        "entry_reception_days",
        forward={"station": "station"},
        preload=True,
        label=_("Reception day"),
        required=False,
        empty_label=_("Not at a reception day"),
        help_text=_("Required when it was heard at a reception day."),
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), empty_label=_("Choose a category")
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    content = forms.CharField(
        label=_("Details"), max_length=3000, widget=forms.Textarea(attrs={"rows": 5})
    )
    # The communities and villages of the chosen station's area (as on the resident form);
    # before a station is chosen, those of the user's own stations' areas.
    place = PickerChoiceField(
        "station_areas",
        params={"kind": GRASSROOTS_KINDS},
        forward={"station": "station"},
        label=_("Community or village"),
        required=False,
        empty_label=_("Not sure / not listed"),
        error_messages={
            "invalid_choice": _(
                "That community is not in the area of the chosen station. Choose one from "
                "the list, or “Not sure / not listed”."
            )
        },
    )
    address = forms.CharField(label=_("Where exactly"), max_length=200, required=False)
    photos = PhotosField(label=_("Photos (optional)"), required=False)
    submitter_name = forms.CharField(
        label=_("Resident's name (optional)"), max_length=40, required=False
    )
    submitter_phone = forms.CharField(
        label=_("Resident's phone (optional)"),
        max_length=30,
        required=False,
        widget=TelInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    consent_disclosure = forms.BooleanField(
        label=_("The resident agrees that it may be published on the public board"),
        required=False,
    )
    delegate = PickerChoiceField(
        "desk_delegates",
        params={"active": "1"},
        forward={"for_station": "station"},
        label=_("Hand it to a delegate"),
        required=False,
        empty_label=_("Leave it for a delegate to take"),
        help_text=_("A serving delegate stationed at the chosen station."),
    )
    take_myself = forms.BooleanField(label=_("I take it myself (接单)"), required=False)

    clean_title = SuggestionForm.clean_title
    clean_content = SuggestionForm.clean_content
    clean_address = SuggestionForm.clean_address
    clean_submitter_name = SuggestionForm.clean_submitter_name
    clean_submitter_phone = SuggestionForm.clean_submitter_phone
    clean_submission_key = SuggestionForm.clean_submission_key

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # Stations, recent reception days and delegates of the stations whose records the
        # user keeps (office: all); areas are public. Large scopes render as searching pickers.
        self.fields["station"].scope(user)
        self.fields["reception_day"].scope(user)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        self._scope_place(user)
        self.fields["delegate"].scope(user)
        if user.role == Role.DELEGATE:
            del self.fields["delegate"]
        else:
            del self.fields["take_myself"]
        if not self.is_bound and "submission_key" not in self.initial:
            self.initial["submission_key"] = uuid.uuid4()

    def _scope_place(self, user):
        """Narrow the place to the chosen station's area; with none chosen yet, to the areas
        of the stations the user keeps (a street's staff never see another township's
        villages). The office, or a user keeping very many stations, is narrowed by the
        station once chosen (the picker follows it in the browser; the post is checked)."""
        place = self.fields["place"].scope(user)
        raw = self.data.get("station") if self.is_bound else self.initial.get("station")
        station = chosen_station(raw)
        if station is not None:
            areas = [station_place_area(station)]
            place.widget.picker_params = {**place.widget.picker_params, "station": station.pk}
        elif user.is_office:
            return
        else:
            kept = list(
                self.fields["station"]
                .queryset.select_related("region")
                .only("id", "region__path", "region__kind", "region__parent_id")[
                    : MAX_OWN_AREAS + 1
                ]
            )
            if len(kept) > MAX_OWN_AREAS:
                return
            areas = [station_place_area(s) for s in kept]
        within = Q(pk__in=[])
        for path in {area.path for area in areas if area is not None}:
            within |= Q(path__startswith=path)
        place.queryset = place.queryset.filter(within)

    def clean(self):
        data = super().clean()
        if "submission_key" not in data:
            data["submission_key"] = uuid.uuid4()
        day, station = data.get("reception_day"), data.get("station")
        if data.get("channel") == Channel.RECEPTION_DAY and not day:
            self.add_error("reception_day", gettext("Choose the reception day it was heard at."))
        if day and station and day.station_id != station.pk:
            self.add_error(
                "reception_day", gettext("That reception day belongs to another station.")
            )
        if day and data.get("channel") != Channel.RECEPTION_DAY:
            data["reception_day"] = None
        delegate = data.get("delegate")
        if delegate and station:
            ids = {station.pk, station.parent_id}
            if not delegate.memberships.filter(station_id__in=ids).exists():
                self.add_error(
                    "delegate",
                    gettext("%(name)s is not stationed at %(station)s.")
                    % {"name": delegate.name, "station": station.name},
                )
        return data


class DelegateChoiceForm(forms.Form):
    """Assign a new suggestion, or (office) reassign a taken one."""

    delegate = PickerChoiceField(
        "delegates", label=_("Delegate"), empty_label=_("Choose a delegate")
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args, suggestion, **kwargs):
        super().__init__(*args, **kwargs)
        # Serving delegates stationed at the suggestion's station or the one it belongs to.
        self.fields["delegate"].scope(None, for_station=suggestion.station_id)

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class AnswerForm(forms.Form):
    """派单 answered directly: handled on the spot, or explained (not adopted)."""

    text = forms.CharField(
        label=_("Text"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    feedback_channel = forms.ChoiceField(
        label=_("How the resident was told"), choices=FeedbackChannel.choices
    )

    def __init__(self, *args, text_label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if text_label:
            self.fields["text"].label = text_label

    def clean_text(self):
        return clean_text(self.cleaned_data["text"])


class DispatchForm(forms.Form):
    unit = PickerChoiceField(
        "units",
        params={"active": "1"},
        label=_("Handling unit"),
        empty_label=_("Choose a unit"),
        help_text=_(
            "The category's usual unit is preselected; choose a county-level unit when it is "
            "beyond the township."
        ),
    )
    workdays = forms.IntegerField(
        label=_("Deadline in working days"),
        min_value=1,
        max_value=60,
        help_text=_(
            "Counted on the official calendar: weekends and holidays do not count, make-up "
            "workdays do."
        ),
    )
    note = forms.CharField(
        label=_("Instructions for the unit (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, suggestion, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].scope(user)
        self.fields["workdays"].initial = settings.PORTAL_DEFAULT_DEADLINE_WORKDAYS
        default_unit = suggestion.category.default_unit
        if default_unit is not None and default_unit.is_active:
            self.fields["unit"].initial = default_unit.pk

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Tracking code of the suggestion it repeats"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope

    def clean_into(self):
        code = normalise_code(self.cleaned_data["into"])
        target = self.scope.filter(tracking_code=code).first() if code else None
        if target is None:
            raise ValidationError(gettext("No suggestion you can see has this tracking code."))
        return target

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class ReasonForm(forms.Form):
    """One required text: a refusal's reason, a send-back comment."""

    text = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, text_label=None, required=True, **kwargs):
        super().__init__(*args, **kwargs)
        if text_label:
            self.fields["text"].label = text_label
        self.fields["text"].required = required

    def clean_text(self):
        return clean_text(self.cleaned_data["text"])


class ExtensionRequestForm(forms.Form):
    workdays = forms.IntegerField(label=_("Extra working days"), min_value=1, max_value=60)
    reason = forms.CharField(
        label=_("Why more time is needed"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_reason(self):
        return clean_text(self.cleaned_data["reason"])


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Reject"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])


class ReplyFilesField(forms.FileField):
    """A unit's reply attachments: photos (re-encoded like residents' photos) or PDF files."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_REPLY_FILES:
            raise ValidationError(
                gettext("Attach at most %(n)d files.") % {"n": MAX_REPLY_FILES}, code="too_many"
            )
        cleaned = []
        for file in files:
            file = super().clean(file, initial)
            if file.size > MAX_REPLY_FILE_BYTES:
                raise ValidationError(gettext("Each file must be smaller than 10 MB."))
            head = file.read(5)
            file.seek(0)
            if head == b"%PDF-":
                file.content_type = "application/pdf"
                cleaned.append(file)
            else:
                cleaned.append(clean_photo(file))
        return cleaned


class UnitReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Result of the handling"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What was done, when, and what the resident can expect. The delegate reviews it "
            "before the resident sees it."
        ),
    )
    files = ReplyFilesField(
        label=_("Attachments (optional)"),
        required=False,
        help_text=_("Up to 4 photos (JPEG, PNG, WebP) or PDF files, 10 MB each."),
    )

    def clean_text(self):
        return clean_text(self.cleaned_data["text"])


class PublishForm(forms.Form):
    feedback_channel = forms.ChoiceField(
        label=_("How the resident was told"), choices=FeedbackChannel.choices
    )
    reply = forms.CharField(
        label=_("Reply to the resident"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "The unit's reply, which you may put in plainer words. The resident reads this."
        ),
    )

    def clean_reply(self):
        return clean_text(self.cleaned_data["reply"])


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])
