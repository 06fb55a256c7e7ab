"""Filters of the staff suggestion list (django-filter). The dashboard's figures and the
suggestion ledger link here and export with the same parameters."""

import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import may_reveal_phones
from congress_portal.masking import contains_phone
from congress_portal.pickers import UPPER_KINDS, PickerChoiceFilter
from stations.selectors import in_area

from .codes import normalise_code
from .models import Category, Channel, State, Suggestion
from .search import text_search
from .selectors import overdue_condition

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Days outside these hold no suggestion; bounds beyond them are "everything" or "nothing"
# (and never reach the database, where year 1 or 9999 overflows a time-zone shift).
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(9000, 12, 31)


def _start_of(day: datetime.date) -> datetime.datetime:
    """00:00 of ``day`` in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SuggestionFilter(django_filters.FilterSet):
    """Narrow a scoped queryset; the choices offered are limited to what the user may see.

    Pass ``request=``: the station and delegate pickers offer (and accept) only what the
    request's user may see (``congress_portal.pickers``); without a request they accept nothing.
    """

    q = django_filters.CharFilter(
        label=_("Search title, details or code"), method="filter_q", max_length=60
    )
    # Several states at once: the dashboard's "handled" figure links to replied + closed.
    # No DISTINCT: state is a column of the row, nothing joined multiplies it (django-filter's
    # default DISTINCT over every column cost seconds at a million rows).
    state = django_filters.MultipleChoiceFilter(
        label=_("Status"),
        choices=State.choices,
        widget=forms.SelectMultiple(attrs={"size": 3}),
        distinct=False,
    )
    region = PickerChoiceFilter(
        label=_("Area"),
        picker="areas",
        params={"kind": UPPER_KINDS},
        method="filter_region",
        empty_label=_("Any area"),
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all(), empty_label=_("Any category")
    )
    station = PickerChoiceFilter(
        label=_("Station"), picker="desk_stations", empty_label=_("Any station")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("Any channel")
    )
    unit = PickerChoiceFilter(
        label=_("Handling unit"),
        field_name="handling_unit",
        picker="units",
        empty_label=_("Any unit"),
    )
    delegate = PickerChoiceFilter(
        label=_("Delegate"), picker="desk_delegates", empty_label=_("Any delegate")
    )
    # Days as half-open ranges of the column itself (from 00:00 of the first day to 00:00 after
    # the last, in the current time zone): "submitted_at__date" put a function on the column
    # and no index could serve it.
    submitted_after = django_filters.DateFilter(
        label=_("Submitted from"), method="filter_submitted_after", widget=DATE_INPUT
    )
    submitted_before = django_filters.DateFilter(
        label=_("Submitted until"), method="filter_submitted_before", widget=DATE_INPUT
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    reopened = django_filters.BooleanFilter(
        label=_("Reopened only"), method="filter_reopened", widget=forms.CheckboxInput
    )

    class Meta:
        model = Suggestion
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The text index (suggestions/search.py: Chinese cut into character pairs) narrows the
        # rows; a tracking code matches however it was typed (dashes, spaces, lower case). A
        # search with neither matches nothing, rather than scanning every row.
        user = getattr(self.request, "user", None)
        if contains_phone(value) and not may_reveal_phones(user):
            # The desk masks phone numbers in the text for this user: a search must not tell
            # whether some resident typed this one (it still finds a tracking code).
            condition = None
        else:
            condition = text_search(value, using=queryset.db)
        code = normalise_code(value)
        if code:
            code_match = Q(tracking_code=code)
            condition = code_match if condition is None else condition | code_match
        if condition is None:
            return queryset.none()
        return queryset.filter(condition)

    def filter_region(self, queryset, name, value):
        """The stations of an area and of the areas below it (one prefix match on the path)."""
        if value is None:
            return queryset
        return queryset.filter(in_area(value))

    def filter_submitted_after(self, queryset, name, value):
        if value is None:
            return queryset
        if not FIRST_DAY <= value <= LAST_DAY:
            return queryset if value < FIRST_DAY else queryset.none()
        return queryset.filter(submitted_at__gte=_start_of(value))

    def filter_submitted_before(self, queryset, name, value):
        if value is None:
            return queryset
        if not FIRST_DAY <= value <= LAST_DAY:
            return queryset if value > LAST_DAY else queryset.none()
        return queryset.filter(submitted_at__lt=_start_of(value + datetime.timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(overdue_condition())

    def filter_reopened(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(reopen_count__gt=0)
