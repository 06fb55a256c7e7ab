"""Filters of the public delegate list (django-filter).

Mandates, stations and groups are to-many: joining them to filter would repeat a delegate once
per matching row and need DISTINCT over the whole join. Each filter is an EXISTS subquery
instead, so a delegate sitting at two levels appears once under either.
"""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from congress_portal.pickers import PickerChoiceFilter, PickerSelect

from .models import (
    Delegate,
    Level,
    Mandate,
    StationMembership,
    Term,
)
from .selectors import current_mandates, delegate_search


class DelegateFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or pinyin"), method="filter_q", max_length=40)
    level = django_filters.ChoiceFilter(
        label=_("Level"), choices=Level.choices, method="filter_level", empty_label=_("All levels")
    )
    station = PickerChoiceFilter(
        label=_("Station"),
        picker="stations",
        method="filter_station",
        widget=PickerSelect(attrs={"class": "form-select"}),
        empty_label=_("All stations"),
    )
    group = PickerChoiceFilter(
        label=_("Delegate group"),
        picker="groups",
        method="filter_group",
        empty_label=_("All groups"),
        widget=PickerSelect(attrs={"class": "form-select"}),
    )
    constituency = PickerChoiceFilter(
        label=_("Constituency"),
        picker="constituencies",
        method="filter_constituency",
        widget=PickerSelect(attrs={"class": "form-select"}),
        empty_label=_("All constituencies"),
    )
    term = django_filters.ModelChoiceFilter(
        label=_("Term"),
        queryset=Term.objects.order_by("level", "-number"),
        method="filter_term",
        empty_label=_("All terms"),
    )

    class Meta:
        model = Delegate
        fields = ["q", "level", "station", "group", "constituency", "term"]

    def filter_q(self, queryset, name, value):
        return delegate_search(queryset, value)

    def filter_level(self, queryset, name, value):
        return queryset.filter(
            Exists(current_mandates().filter(delegate=OuterRef("pk"), level=value))
        )

    def filter_term(self, queryset, name, value):
        return queryset.filter(Exists(Mandate.objects.filter(delegate=OuterRef("pk"), term=value)))

    def filter_constituency(self, queryset, name, value):
        return queryset.filter(
            Exists(current_mandates().filter(delegate=OuterRef("pk"), constituency=value))
        )

    def filter_station(self, queryset, name, value):
        return queryset.filter(
            Exists(StationMembership.objects.filter(delegate=OuterRef("pk"), station=value))
        )

    def filter_group(self, queryset, name, value):
        memberships = Delegate.groups.through.objects.filter(
            delegate=OuterRef("pk"), delegategroup=value
        )
        return queryset.filter(Exists(memberships))
