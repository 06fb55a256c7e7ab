"""Forms of the meeting pages and of the voter's ballot. They validate; services write."""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.forms import PortalDateField
from congress_portal.pickers import PickerChoiceField, PickerMultipleChoiceField, PickerSelect
from suggestions.models import RatingValue, Suggestion

from .models import FollowUp, Meeting

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SuggestionChoiceField(forms.ModelMultipleChoiceField):
    """Suggestions as checkboxes labelled with what staff recognise them by."""

    widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})

    def label_from_instance(self, obj):
        return (
            f"{obj.formatted_code} · {obj.title} ({obj.category.name} · {obj.get_state_display()})"
        )


class KeyedForm(forms.Form):
    """A per-form idempotency key (SECURITY.md 22): a double post lands on the first record."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())


class MeetingForm(forms.ModelForm):
    """A meeting's facts, participants, agenda and minutes; the station only when created."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    station = PickerChoiceField(
        "managed_stations",
        params={"active": "1"},
        label=_("Station"),
        empty_label=_("Choose a station"),
    )
    # Checkboxes while the user's stations have few delegates; a searching picker (over the
    # chosen station's delegates) when they have many (the office: a whole province).
    delegates = PickerMultipleChoiceField(
        "managed_delegates",
        forward={"station": "station"},
        small_widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label=_("Delegates attending"),
        required=False,
        help_text=_("Delegates stationed at the meeting's station."),
    )

    class Meta:
        model = Meeting
        field_classes = {"date": PortalDateField}
        fields = [
            "kind",
            "title",
            "station",
            "date",
            "start_time",
            "place",
            "status",
            "committee_members",
            "unit_representatives",
            "property_companies",
            "resident_representatives",
            "other_participants",
            "agenda",
            "minutes",
        ]
        widgets = {
            "date": DATE_INPUT,
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "other_participants": forms.Textarea(attrs={"rows": 2}),
            "agenda": forms.Textarea(attrs={"rows": 4}),
            "minutes": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            del self.fields["station"]
            del self.fields["submission_key"]
            self.fields["delegates"].scope(user, station=self.instance.station_id)
            self.initial.setdefault("delegates", list(self.instance.delegates.all()))
        else:
            # The active stations the user manages, and the delegates stationed there.
            self.fields["station"].scope(user)
            self.fields["delegates"].scope(user)
            if not self.is_bound:
                self.initial.setdefault("submission_key", uuid.uuid4())

    def clean(self):
        data = super().clean()
        station = self.instance.station if self.instance.pk else data.get("station")
        delegates = data.get("delegates") or []
        if station is not None and delegates:
            stationed = set(station.delegates.values_list("id", flat=True))
            strangers = [d.name for d in delegates if d.pk not in stationed]
            if strangers:
                self.add_error(
                    "delegates",
                    gettext("Not stationed at %(station)s: %(names)s.")
                    % {"station": station.name, "names": "、".join(strangers)},
                )
        return data


# A meeting's topic (议题). The msgid "Topic" alone is the resident's word for a category (类别):
# the model's own name of a topic says which sense is meant.
TOPIC_LABEL = capfirst(_("topic"))


class TopicForm(KeyedForm):
    title = forms.CharField(label=TOPIC_LABEL, max_length=120)
    description = forms.CharField(
        label=_("What residents raised"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suggestions = SuggestionChoiceField(
        label=_("Suggestions grouped in this topic"), queryset=Suggestion.objects.none()
    )

    def __init__(self, *args, suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggestions"].queryset = suggestions


class ProposalAcceptForm(KeyedForm):
    """Accepting a proposed grouping: the suggestions it holds and a title to start from."""

    title = forms.CharField(label=TOPIC_LABEL, max_length=120)
    suggestions = forms.CharField(widget=forms.HiddenInput, max_length=2000)

    def clean_suggestions(self):
        raw = self.cleaned_data["suggestions"]
        try:
            ids = [int(part) for part in raw.split(",") if part]
        except ValueError:
            raise ValidationError(gettext("This grouping is no longer valid.")) from None
        if not ids or len(ids) > 100 or any(i <= 0 or i > 2**62 for i in ids):
            raise ValidationError(gettext("This grouping is no longer valid."))
        return ids


class IssueForm(forms.Form):
    """Issuing ballot codes: the key tells a reloaded sheet from a new issue."""

    issue_key = forms.UUIDField(widget=forms.HiddenInput, required=False)


class DecisionForm(forms.Form):
    decision = forms.CharField(
        label=_("Decision"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["description", "owner", "due_date"]
        widgets = {"due_date": DATE_INPUT}
        field_classes = {"due_date": PortalDateField}


class FollowUpDoneForm(forms.Form):
    result = forms.CharField(label=_("What was done"), max_length=500)


class BallotSetupForm(forms.Form):
    suggestions = SuggestionChoiceField(
        label=_("Suggestions to be rated"),
        queryset=Suggestion.objects.none(),
        help_text=_("Preselected: the suggestions of the station replied in this half year."),
    )
    voters = forms.IntegerField(
        label=_("Number of voters"),
        min_value=1,
        max_value=2000,
        help_text=_("One ballot code is printed for each voter."),
    )

    def __init__(self, *args, suggestions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggestions"].queryset = suggestions


class PaperTallyForm(forms.Form):
    """The paper totals of all items, three numbers per item (fields ``s_<id>``, …)."""

    def __init__(self, *args, items=(), voters=2000, existing=None, **kwargs):
        super().__init__(*args, **kwargs)
        existing = existing or {}
        self.items = list(items)
        self.rows = []
        for number, item in enumerate(items, start=1):
            row = []
            for prefix, label, index in (
                ("s", RatingValue.SATISFIED.label, 0),
                ("b", RatingValue.BASIC.label, 1),
                ("u", RatingValue.UNSATISFIED.label, 2),
            ):
                name = f"{prefix}_{item.pk}"
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=0, max_value=voters, required=False
                )
                if item.pk in existing:
                    self.initial[name] = existing[item.pk][index]
                row.append(self[name])
            self.rows.append((number, item, row))

    def totals(self) -> dict[int, tuple[int, int, int]]:
        result = {}
        for item in self.items:
            values = [self.cleaned_data.get(f"{p}_{item.pk}") for p in ("s", "b", "u")]
            if any(v is not None for v in values):
                result[item.pk] = tuple(v or 0 for v in values)
        return result


class BallotForm(forms.Form):
    """The voter's ballot: every item rated 满意 / 基本满意 / 不满意, each once."""

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = []
        for number, (item, label) in enumerate(items, start=1):
            name = f"item_{item.pk}"
            self.fields[name] = forms.ChoiceField(
                label=label,
                choices=RatingValue.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose one rating for this item.")},
            )
            self.items.append((number, item, self[name]))

    def marks(self) -> dict[int, str]:
        return {item.pk: self.cleaned_data[f"item_{item.pk}"] for _n, item, _f in self.items}


class BallotCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Ballot code"),
        max_length=40,
        help_text=_("The ten letters and digits printed on your slip, for example 7K3M9-QXA4T."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class SatisfactionFilterForm(forms.Form):
    # The stations whose meetings the user may see (meetings.selectors.meeting_station_ids).
    station = PickerChoiceField(
        "kept_stations", label=_("Station"), required=False, empty_label=_("All stations")
    )
    date_from = PortalDateField(label=_("From"), required=False, widget=DATE_INPUT)
    date_to = PortalDateField(label=_("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].scope(user)


class MeetingStationForm(forms.Form):
    """The meeting list's ``?station=``: one of the stations whose meetings the user sees."""

    station = PickerChoiceField(
        "kept_stations",
        label=_("Station"),
        required=False,
        empty_label=_("All my stations"),
        widget=PickerSelect(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("auto_id", "meetings-%s")
        super().__init__(*args, **kwargs)
        self.fields["station"].scope(user)
