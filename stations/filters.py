"""Filters of the public station list (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Station


class StationFilter(django_filters.FilterSet):
    """Search by a station's name, address or area, and narrow by kind."""

    q = django_filters.CharFilter(
        label=_("Name, address or area"),
        method="filter_q",
        max_length=60,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Station.Kind.choices, empty_label=_("All kinds")
    )

    class Meta:
        model = Station
        fields = ["q", "kind"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(address__icontains=value)
            | Q(region__name__icontains=value)
            | Q(region__parent__name__icontains=value)
        )
