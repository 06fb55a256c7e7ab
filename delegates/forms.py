"""Forms of the delegates' own pages and of the office's performance pages."""

import datetime
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.clock import today
from congress_portal.forms import PortalDateField
from congress_portal.pickers import (
    PickerChoiceField,
    PickerMultipleChoiceField,
    PickerSelect,
    PickerSelectMultiple,
)
from suggestions.forms import clean_text
from suggestions.models import Category

from .models import Activity, Delegate, Level, YearlyTarget
from .performance import DEFAULT_TARGETS, LABELS, Status


class DateInput(forms.DateInput):
    """A native date picker. A typed value that is no date is not echoed into ``value``
    (the HTML would be invalid and the picker shows nothing anyway); the error says why."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")

    def format_value(self, value):
        text = super().format_value(value)
        if isinstance(text, str) and text:
            try:
                datetime.date.fromisoformat(text)
            except ValueError:
                return None
        return text


_DATE = DateInput()
MIN_YEAR = 2000


def _with_submission_key(form) -> None:
    if not form.is_bound and "submission_key" not in form.initial:
        form.initial["submission_key"] = uuid.uuid4()


class _TextCleaning:
    """Refuse control characters in every free-text field of the form."""

    text_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        for name in self.text_fields:
            if name in data and isinstance(data[name], str):
                try:
                    data[name] = clean_text(data[name])
                except ValidationError as error:
                    self.add_error(name, error)
        return data


def _check_date(value: datetime.date | None) -> datetime.date | None:
    if value is None:
        return value
    if value.year < MIN_YEAR:
        raise ValidationError(gettext("Enter a date from the year 2000 on."))
    if value > today():
        raise ValidationError(gettext("This date is in the future."))
    return value


class ActivityForm(_TextCleaning, forms.Form):
    """An activity. ``delegate`` is asked only of the office (a delegate records their own)."""

    text_fields = ("title", "place", "notes")

    # Per-form key (SECURITY.md 22): posting the same form twice records once.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    delegate = PickerChoiceField(
        "delegates", label=_("Delegate"), empty_label=_("Choose a delegate")
    )
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=Activity.Kind.choices)
    date = PortalDateField(label=_("Date"), widget=_DATE)
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        required=False,
        help_text=_(
            "What was done. For a station reception or a visit to voters it may be left empty: "
            "the kind of activity is used."
        ),
    )
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    station = PickerChoiceField(
        "stations", label=_("Station"), required=False, empty_label=_("Not at a station")
    )
    participants = PickerMultipleChoiceField(
        "delegates",
        label=_("Other delegates taking part"),
        required=False,
        help_text=_("A group activity counts for every delegate taking part."),
        widget=PickerSelectMultiple(attrs={"size": 6}),
    )
    residents_contacted = forms.IntegerField(
        label=_("Residents contacted"), min_value=0, max_value=100000, initial=0
    )
    notes = forms.CharField(
        label=_("Notes"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, ask_delegate=False, **kwargs):
        super().__init__(*args, **kwargs)
        # Serving delegates and active stations: public lists, searched when they are long.
        self.fields["participants"].scope(None)
        self.fields["station"].scope(None)
        if ask_delegate:
            # Asked of the office only, who may record for any serving delegate.
            self.fields["delegate"].scope(None)
        else:
            del self.fields["delegate"]
        _with_submission_key(self)

    def clean_date(self):
        return _check_date(self.cleaned_data["date"])

    def clean(self):
        """What makes an activity real, so that an untouched form records nothing that
        counts toward a target (月进站 counts station receptions)."""
        data = super().clean()
        kind = data.get("kind")
        residents = data.get("residents_contacted") or 0
        if kind == Activity.Kind.RECEPTION and "station" in data and not data["station"]:
            self.add_error(
                "station", gettext("Choose the station where the residents were received.")
            )
        if kind in RESIDENT_KINDS and "residents_contacted" in data and residents < 1:
            self.add_error(
                "residents_contacted",
                gettext("Say how many residents were received or visited (at least one)."),
            )
        elif kind and kind not in RESIDENT_KINDS and not data.get("title") and residents < 1:
            self.add_error(
                "title",
                gettext("Give the activity a title: what was inspected, studied or done."),
            )
        return data


# Activities whose point is meeting residents: without one received or visited, nothing
# happened. Other kinds say what they were by their title.
RESIDENT_KINDS = frozenset({Activity.Kind.RECEPTION, Activity.Kind.VISIT})


class DiaryEntryForm(_TextCleaning, forms.Form):
    """A quick field note."""

    text_fields = ("place", "text")

    # Per-form key (SECURITY.md 22): posting the same form twice records once.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    text = forms.CharField(
        label=_("What I heard"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few words are enough; you can turn the note into a suggestion later."),
    )
    place = forms.CharField(label=_("Where"), max_length=120, required=False)
    date = PortalDateField(label=_("Date"), widget=_DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _with_submission_key(self)

    def clean_date(self):
        return _check_date(self.cleaned_data["date"]) or today()


class DiarySuggestionForm(_TextCleaning, forms.Form):
    """Turn a field note into a suggestion of the loop."""

    text_fields = ("title", "content")

    station = PickerChoiceField(
        "stations", label=_("Station that handles it"), empty_label=_("Choose a station")
    )
    category = forms.ModelChoiceField(
        label=_("What is it about"),
        queryset=Category.objects.none(),
        empty_label=_("Choose a topic"),
    )
    title = forms.CharField(label=_("In one line"), max_length=100)
    content = forms.CharField(
        label=_("Details"), max_length=3000, widget=forms.Textarea(attrs={"rows": 6})
    )
    take = forms.BooleanField(
        label=_("I take it myself (接单)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args, delegate: Delegate, can_take: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # The delegate's own active stations (rarely more than a few: rendered whole).
        self.fields["station"].scope(None, delegate=delegate.pk)
        self.fields["category"].queryset = Category.objects.filter(is_active=True)
        if not can_take:
            del self.fields["take"]


class FixedContactForm(_TextCleaning, forms.Form):
    text_fields = ("name", "place")

    name = forms.CharField(label=_("Resident"), max_length=40)
    place = forms.CharField(label=_("Community or village"), max_length=80, required=False)
    since = PortalDateField(label=_("In contact since"), widget=_DATE, required=False)

    def clean_since(self):
        return _check_date(self.cleaned_data["since"]) or today()


class AnnualReportForm(_TextCleaning, forms.Form):
    """The annual report to voters and the totals of their paper vote."""

    text_fields = ("place", "summary")

    date = PortalDateField(label=_("Date of the report"), widget=_DATE)
    place = forms.CharField(label=_("Place"), max_length=120)
    summary = forms.CharField(
        label=_("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    satisfied = forms.IntegerField(label=_("Satisfied"), min_value=0, max_value=100000, initial=0)
    basically_satisfied = forms.IntegerField(
        label=_("Basically satisfied"), min_value=0, max_value=100000, initial=0
    )
    unsatisfied = forms.IntegerField(
        label=_("Unsatisfied"), min_value=0, max_value=100000, initial=0
    )

    def __init__(self, *args, year: int, **kwargs):
        self.year = year
        super().__init__(*args, **kwargs)

    def clean_date(self):
        value = _check_date(self.cleaned_data["date"])
        if value.year not in (self.year, self.year + 1):
            raise ValidationError(
                gettext("The report must be given in the year reported on or the next.")
            )
        return value


class TargetsForm(forms.Form):
    """A year's targets for all levels (every field required) or for one level (empty = the
    general target applies)."""

    def __init__(self, *args, level: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.level = level
        for metric, value in DEFAULT_TARGETS.items():
            label = LABELS.get(metric) or YearlyTarget.Metric(metric).label
            self.fields[metric] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=12
                if metric == YearlyTarget.Metric.STATION_MONTHS
                else 4
                if metric == YearlyTarget.Metric.CONSTITUENCY_QUARTERS
                else 1000,
                required=not level,
                help_text=gettext("Seed default: %(value)d") % {"value": value},
            )


SORTS = {
    "name": _("Name"),
    "behind": _("Behind first"),
    "met": _("Most targets met"),
}


class PerformanceFilterForm(forms.Form):
    """Filters of the office's performance list (GET)."""

    year = forms.IntegerField(label=_("Year"), min_value=MIN_YEAR, max_value=2100, required=False)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", _("All levels")), *Level.choices], required=False
    )
    station = PickerChoiceField(
        "kept_stations",
        params={"active": "1"},
        label=_("Station"),
        required=False,
        empty_label=_("All stations"),
        widget=PickerSelect(attrs={"class": "form-select"}),
    )
    group = PickerChoiceField(
        "groups",
        label=_("Delegate group"),
        required=False,
        empty_label=_("All groups"),
        widget=PickerSelect(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Everyone")), (Status.BEHIND, _("Behind target only"))],
        required=False,
    )
    sort = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].scope(user)
        self.fields["group"].scope(user)


class DelegateDeactivateForm(forms.Form):
    """The serving delegate who takes over a leaving delegate's open suggestions."""

    successor = PickerChoiceField(
        "delegates",
        label=_("Successor delegate"),
        required=False,
        help_text=_("Required when the delegate holds open suggestions."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].scope(actor)
