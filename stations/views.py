from django.views.generic import DetailView, ListView

from congress_portal.clock import today

from .filters import StationFilter
from .selectors import (
    station_children,
    station_figures,
    station_memberships,
    station_public_list,
    station_recent_meetings,
    station_rules,
    station_tree,
    station_upcoming_days,
)


class StationListView(ListView):
    """Every active station, grouped by the tree, searchable by name, address and area."""

    template_name = "stations/station_list.html"
    context_object_name = "stations"

    def get_queryset(self):
        self.filterset = StationFilter(self.request.GET or None, queryset=station_public_list())
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One query for the whole page; the tree is built in Python.
        stations = list(context["stations"])
        context.update(
            filter=self.filterset,
            # Echo only what validated: a NUL byte or an oversized string is not written back.
            query=getattr(self.filterset.form, "cleaned_data", {}).get("q") or "",
            station_groups=station_tree(stations),
            station_count=len(stations),
            is_search=bool(self.filterset.is_bound and any(self.request.GET.values())),
        )
        return context


class StationDetailView(DetailView):
    """A station's public page: where, when, who is stationed there, the next reception days."""

    template_name = "stations/station_detail.html"
    context_object_name = "station"

    def get_queryset(self):
        return station_public_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station = self.object
        context.update(
            children=station_children(station=station),
            memberships=station_memberships(station=station),
            upcoming_days=station_upcoming_days(station=station),
            rules=station_rules(station=station),
            meetings=station_recent_meetings(station=station),
            figures=station_figures(station=station),
            today=today(),
        )
        return context
