"""Filters of the public station finder (django-filter)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Region, Station
from .selectors import in_area, station_search


class StationFilter(django_filters.FilterSet):
    """Search by a station's name, address or area, narrow by kind, and drill down by area.

    An ``area`` that is not a number or not an area is ignored (the form field is invalid, so
    django-filter leaves it out): a bad link shows the whole list, never an error page.
    """

    q = django_filters.CharFilter(
        label=_("Name, address or area"),
        method="filter_q",
        max_length=60,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Station.Kind.choices, empty_label=_("All kinds")
    )
    area = django_filters.ModelChoiceFilter(
        label=_("Area"),
        # Only what the trail and the prefix match need; the lookup is by primary key.
        queryset=Region.objects.only("id", "name", "kind", "path", "depth", "parent_id"),
        method="filter_area",
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Station
        fields = ["q", "kind", "area"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return station_search(queryset, value)

    def filter_area(self, queryset, name, value):
        return queryset.filter(in_area(value, station_field=""))
