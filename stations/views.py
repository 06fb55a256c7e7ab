from django.views.generic import DetailView, ListView

from .selectors import station_public_list


class StationListView(ListView):
    template_name = "stations/station_list.html"
    context_object_name = "stations"

    def get_queryset(self):
        return station_public_list()


class StationDetailView(DetailView):
    template_name = "stations/station_detail.html"
    context_object_name = "station"

    def get_queryset(self):
        return station_public_list()
