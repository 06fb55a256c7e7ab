"""The office's page for a delegate who no longer serves: what moves (open suggestions to a
successor, duties still to come end, the login account), then the office confirms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views.generic import TemplateView

from accounts.office_views import OfficeRequiredMixin
from congress_portal.forms import add_service_error
from stations.services import upcoming_duties

from . import services
from .forms import DelegateDeactivateForm
from .models import Delegate

FIRST_ROWS = 10


class DelegateDeactivateView(OfficeRequiredMixin, TemplateView):
    template_name = "delegates/delegate_deactivate.html"

    def dispatch(self, request, *args, **kwargs):
        self.delegate = get_object_or_404(Delegate.objects.select_related("user"), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        delegate = self.delegate
        holding = services.delegate_open_suggestions(delegate)
        first = list(
            holding.select_related("station")
            .only("id", "tracking_code", "title", "state", "station__name")
            .order_by("id")[:FIRST_ROWS]
        )
        duties = upcoming_duties(delegate)
        first_duties = list(
            duties.select_related("reception_day__station").order_by("reception_day__date")[
                :FIRST_ROWS
            ]
        )
        context.update(
            delegate=delegate,
            open_count=holding.count() if first else 0,
            first_rows=first,
            duty_count=duties.count() if first_duties else 0,
            first_duties=first_duties,
            account=delegate.user if delegate.user_id and delegate.user.is_active else None,
            form=kwargs.get("form") or DelegateDeactivateForm(actor=self.request.user),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = DelegateDeactivateForm(request.POST, actor=request.user)
        if form.is_valid():
            try:
                result = services.delegate_deactivate(
                    delegate=self.delegate,
                    successor=form.cleaned_data["successor"],
                    actor=request.user,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "%(name)s no longer serves: %(moved)d open suggestions went to the "
                        "successor and %(duties)d duties to come ended."
                    )
                    % {
                        "name": self.delegate.name,
                        "moved": result["moved"],
                        "duties": result["duties"],
                    },
                )
                # The public profile is gone with the service; this page says what happened.
                return redirect("delegates:deactivate", pk=self.delegate.pk)
        return self.render_to_response(self.get_context_data(form=form), status=400)
