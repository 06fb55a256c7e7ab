from django.views.generic import DetailView, ListView

from .selectors import delegate_public_list


class DelegateListView(ListView):
    template_name = "delegates/delegate_list.html"
    context_object_name = "delegates"
    paginate_by = 30

    def get_queryset(self):
        return delegate_public_list()


class DelegateDetailView(DetailView):
    template_name = "delegates/delegate_detail.html"
    context_object_name = "delegate"

    def get_queryset(self):
        return delegate_public_list()
