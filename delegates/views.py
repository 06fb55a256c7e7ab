from django.views.generic import DetailView, ListView

from congress_portal.clock import today

from .filters import DelegateFilter
from .selectors import (
    delegate_mandates,
    delegate_memberships,
    delegate_public_list,
    delegate_upcoming_duties,
    delegates_with_summary,
)


class DelegateListView(ListView):
    """Serving delegates, filterable by level, station, group, constituency and term."""

    template_name = "delegates/delegate_list.html"
    context_object_name = "delegates"
    paginate_by = 30

    def get_queryset(self):
        self.filterset = DelegateFilter(self.request.GET or None, queryset=delegate_public_list())
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        delegates_with_summary(context["delegates"])
        context.update(
            filter=self.filterset,
            # Echo only what validated: a NUL byte or an oversized string is not written back.
            query=getattr(self.filterset.form, "cleaned_data", {}).get("q") or "",
            is_search=any(params.values()),
        )
        return context


class DelegateDetailView(DetailView):
    """A delegate's public profile. Contact details only with the delegate's consent."""

    template_name = "delegates/delegate_detail.html"
    context_object_name = "delegate"

    def get_queryset(self):
        return delegate_public_list()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delegate = self.object
        delegates_with_summary([delegate])
        context.update(
            mandates=delegate_mandates(delegate=delegate),
            memberships=delegate_memberships(delegate=delegate),
            upcoming_duties=delegate_upcoming_duties(delegate=delegate),
            # Decided here, not in the template: nothing but consent publishes contact data.
            public_phone=delegate.public_phone,
            public_email=delegate.email if delegate.consent_public_contact else "",
            today=today(),
        )
        return context
