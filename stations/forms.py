"""Forms of the station staff pages. They validate and clean; the services write."""

import datetime
import re
import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from congress_portal.forms import PortalDateField
from congress_portal.masking import normalise_phone
from congress_portal.pickers import PickerMultipleChoiceField
from suggestions.forms import clean_text

from .models import ReceptionRule
from .services import MAX_EXPLICIT_DATES, MAX_PERIOD_DAYS

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")
_DATE_TOKEN = re.compile(r"[\s,，、;；]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def _versioned(form: forms.Form) -> None:
    form.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReceptionRuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How the days recur"), choices=ReceptionRule.Kind.choices, widget=forms.RadioSelect
    )
    day_of_month = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("For a monthly rule, e.g. 10. In a shorter month the last day is used."),
    )
    weekday = forms.TypedChoiceField(
        label=_("Weekday"),
        choices=[("", _("Choose a weekday")), *ReceptionRule.Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For a weekly rule."),
    )
    explicit_dates = forms.CharField(
        label=_("Dates"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For explicit dates: one date per line, such as 2026-03-10."),
    )
    postpone_on_holiday = forms.BooleanField(
        label=_(
            "Postpone to the next working day when the date falls on a weekend or holiday (顺延)"
        ),
        required=False,
        initial=True,
    )
    start_time = forms.TimeField(label=_("Starts at"), initial=datetime.time(9), widget=TimeInput)
    end_time = forms.TimeField(label=_("Ends at"), initial=datetime.time(12), widget=TimeInput)
    duty_delegates = forms.IntegerField(
        label=_("Delegates on duty per day"), min_value=1, max_value=10, initial=2
    )
    is_active = forms.BooleanField(label=_("Rule in use"), required=False, initial=True)

    def clean_explicit_dates(self):
        raw = clean_text(self.cleaned_data["explicit_dates"])
        dates = set()
        for token in _DATE_TOKEN.split(raw):
            if not token:
                continue
            try:
                dates.add(datetime.date.fromisoformat(token))
            except ValueError:
                raise ValidationError(
                    gettext("“%(value)s” is not a date; write dates like 2026-03-10.")
                    % {"value": token[:20]}
                ) from None
        if len(dates) > MAX_EXPLICIT_DATES:
            raise ValidationError(gettext("Give at most %(n)d dates.") % {"n": MAX_EXPLICIT_DATES})
        return [day.isoformat() for day in sorted(dates)]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == ReceptionRule.Kind.MONTHLY and not data.get("day_of_month"):
            self.add_error("day_of_month", gettext("Give a day of the month from 1 to 31."))
        if kind == ReceptionRule.Kind.WEEKLY and data.get("weekday") is None:
            self.add_error("weekday", gettext("Choose a weekday."))
        if kind == ReceptionRule.Kind.EXPLICIT and not data.get("explicit_dates"):
            if "explicit_dates" not in self.errors:
                self.add_error("explicit_dates", gettext("Give at least one date."))
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", gettext("The reception must end after it starts."))
        return data

    @classmethod
    def initial_for(cls, rule: ReceptionRule) -> dict:
        return {
            "kind": rule.kind,
            "day_of_month": rule.day_of_month,
            "weekday": rule.weekday,
            "explicit_dates": "\n".join(rule.explicit_dates or []),
            "postpone_on_holiday": rule.postpone_on_holiday,
            "start_time": rule.start_time,
            "end_time": rule.end_time,
            "duty_delegates": rule.duty_delegates,
            "is_active": rule.is_active,
        }


class RuleDeleteForm(forms.Form):
    remove_upcoming = forms.BooleanField(
        label=_("Also remove this rule's upcoming days that nobody has edited or staffed"),
        required=False,
    )


class GenerateForm(forms.Form):
    start = PortalDateField(label=_("From"), widget=DateInput)
    end = PortalDateField(label=_("To"), widget=DateInput)
    replace_untouched = forms.BooleanField(
        label=_(
            "Replace this rule's days in the period that nobody has edited, staffed or logged "
            "(after changing the rule)"
        ),
        required=False,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", gettext("The period ends before it starts."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error(
                    "end", gettext("Generate at most a year of reception days at a time.")
                )
        return data


class ReceptionDayForm(forms.Form):
    date = PortalDateField(label=_("Date"), widget=DateInput)
    start_time = forms.TimeField(label=_("Starts at"), widget=TimeInput)
    end_time = forms.TimeField(label=_("Ends at"), widget=TimeInput)
    theme = forms.CharField(
        label=_("Theme"),
        max_length=60,
        required=False,
        help_text=_("Announced to the public ahead of the day, e.g. 产业发展, 道路交通, 环境卫生."),
        widget=forms.TextInput(attrs={"list": "theme-options"}),
    )
    announcement = forms.CharField(
        label=_("Announcement"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    leader_name = forms.CharField(label=_("Leader in charge"), max_length=50, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _versioned(self)

    def clean_theme(self):
        return clean_text(self.cleaned_data["theme"])

    def clean_announcement(self):
        return clean_text(self.cleaned_data["announcement"])

    def clean_leader_name(self):
        return clean_text(self.cleaned_data["leader_name"])

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", gettext("The reception must end after it starts."))
        return data


class CancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=_("Reason, shown to the public"),
        max_length=200,
        help_text=_("For example: postponed because of the red rainstorm warning."),
    )

    def __init__(self, *args, **kwargs):
        # Shown on the same page as the day's form: its own ids.
        kwargs.setdefault("auto_id", "cancel_%s")
        super().__init__(*args, **kwargs)
        _versioned(self)

    def clean_cancel_reason(self):
        value = clean_text(self.cleaned_data["cancel_reason"])
        if not value:
            raise ValidationError(gettext("Say why the day is cancelled."))
        return value


class DelegateChoices(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


class DutyForm(forms.Form):
    # The station's serving delegates: checkboxes, or a searching picker for a big station.
    delegates = PickerMultipleChoiceField(
        "delegates",
        small_widget=forms.CheckboxSelectMultiple,
        label=_("Delegates on duty"),
        required=False,
    )
    leader_name = forms.CharField(label=_("Leader in charge"), max_length=50, required=False)

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delegates"].scope(None, station=station.pk)
        _versioned(self)

    def clean_leader_name(self):
        return clean_text(self.cleaned_data["leader_name"])


class LogForm(forms.Form):
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    attended = DelegateChoices(label=_("Duty delegates who came"), queryset=None, required=False)
    visitors = forms.IntegerField(
        label=_("Residents received (人次)"), min_value=0, max_value=100000
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, duty_delegates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = duty_delegates
        _versioned(self)
        if not self.is_bound and "submission_key" not in self.initial:
            self.initial["submission_key"] = uuid.uuid4()

    def clean_notes(self):
        return clean_text(self.cleaned_data["notes"])

    def clean_submission_key(self):
        return self.cleaned_data.get("submission_key") or uuid.uuid4()


class IssueForm(forms.Form):
    """One issue a resident raised at the reception day, entered as a suggestion."""

    category = forms.ModelChoiceField(
        label=_("Topic"), queryset=None, empty_label=_("Choose a topic")
    )
    title = forms.CharField(label=_("In one line"), max_length=100)
    content = forms.CharField(
        label=_("Details"), max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    submitter_name = forms.CharField(
        label=_("Resident's name (optional)"), max_length=40, required=False
    )
    submitter_phone = forms.CharField(
        label=_("Resident's phone (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    consent_disclosure = forms.BooleanField(
        label=_(
            "The resident agrees that the issue and its reply are published, without name or phone"
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from suggestions.models import Category

        self.fields["category"].queryset = Category.objects.filter(is_active=True)

    def clean_title(self):
        return clean_text(self.cleaned_data["title"])

    def clean_content(self):
        return clean_text(self.cleaned_data["content"])

    def clean_submitter_name(self):
        return clean_text(self.cleaned_data["submitter_name"])

    def clean_submitter_phone(self):
        raw = clean_text(self.cleaned_data["submitter_phone"])
        if not raw:
            return ""
        phone = normalise_phone(raw)
        if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            raise ValidationError(
                gettext("Enter a mobile number of 11 digits, or a landline with its area code.")
            )
        return phone


IssueFormSet = forms.formset_factory(
    IssueForm, extra=3, max_num=30, validate_max=True, absolute_max=30
)


class CalendarPeriodForm(forms.Form):
    """One holiday of the State Council's schedule: its days off and its make-up working days."""

    name = forms.CharField(
        label=_("Holiday"),
        max_length=40,
        help_text=_("As the State Council's notice names it, e.g. 春节."),
    )
    first_day = PortalDateField(label=_("First day off"), widget=DateInput)
    last_day = PortalDateField(label=_("Last day off"), widget=DateInput)
    workdays = forms.CharField(
        label=_("Make-up working days (调休)"),
        required=False,
        max_length=200,
        widget=forms.TextInput,
        help_text=_(
            "Weekend days worked instead, e.g. 2027-02-07, 2027-02-20. Leave empty if none."
        ),
    )

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def clean_name(self):
        return clean_text(self.cleaned_data["name"])

    def clean_workdays(self):
        raw = clean_text(self.cleaned_data["workdays"])
        dates = set()
        for token in _DATE_TOKEN.split(raw):
            if not token:
                continue
            try:
                dates.add(datetime.date.fromisoformat(token))
            except ValueError:
                raise ValidationError(
                    gettext("“%(value)s” is not a date; write dates like 2026-03-10.")
                    % {"value": token[:20]}
                ) from None
        if len(dates) > 10:
            raise ValidationError(gettext("Give at most %(n)d dates.") % {"n": 10})
        return sorted(dates)

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        for field in ("first_day", "last_day"):
            if data.get(field) and data[field].year != self.year:
                self.add_error(
                    field, gettext("The holiday's days must lie in %(year)d.") % {"year": self.year}
                )
        if first and last and last < first and not self.has_error("last_day"):
            self.add_error("last_day", gettext("The holiday ends before it starts."))
        return data


class CalendarRemoveForm(forms.Form):
    name = forms.CharField(max_length=40)
