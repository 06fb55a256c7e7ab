"""The ledgers page, and the background exports it starts (``dashboard.exports``).

A download button is a POST (CSRF) that checks the filters, queues the export and redirects
to its progress page; the page refreshes itself with a ``<meta>`` tag (no script: CSP) until
the file is ready, then links it. Links from other screens (the desk, the dashboard) land on
a page that shows their filters with the same button.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, TemplateView

from accounts.models import Role
from accounts.services import audit_record
from congress_portal.clients import client_ip
from suggestions.models import Suggestion

from . import exports, ledgers
from .models import LedgerExport

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_PENDING = 3  # exports a user may have waiting or being written at once


def _bad_filters(request, errors):
    for field, messages_ in errors.items():
        for message in messages_:
            messages.error(request, message if field == "__all__" else f"{field}: {message}")
    return redirect("dashboard:ledgers")


def _hidden(params: list) -> list[tuple[str, str]]:
    """The filters as hidden inputs of a form that asks for the same ledger again."""
    return [(name, value) for name, value in params if name not in ledgers.IGNORED_PARAMS]


class LedgerIndexView(LoginRequiredMixin, TemplateView):
    """The ledgers the user may export, each with its filters, and their recent exports."""

    template_name = "dashboard/ledgers.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        keeps_stations = user.is_office or user.role in (Role.STATION_STAFF, Role.DELEGATE)
        suggestion_form = None
        try:
            from suggestions.filters import SuggestionFilter

            suggestion_form = SuggestionFilter(
                None, queryset=Suggestion.objects.none(), request=self.request
            ).form
        except ImportError:
            pass
        context.update(
            suggestion_form=suggestion_form,
            reception_form=ledgers.DatedFilterForm(user=user, auto_id="reception_%s")
            if keeps_stations
            else None,
            activity_form=ledgers.ActivityFilterForm(user=user, auto_id="activity_%s")
            if keeps_stations
            else None,
            performance_form=ledgers.PerformanceFilterForm(user=user, auto_id="performance_%s")
            if keeps_stations and ledgers.performance_available()
            else None,
            reveal=ledgers.can_reveal(user),
            exports=list(exports.recent_exports(user)),
        )
        return context


@login_required
@require_GET
def ledger_confirm(request, kind: str):
    """A ledger with the filters of the screen that linked here, and the button to write it."""
    params = ledgers.params_from(request.GET)
    try:
        ledger = ledgers.build(kind, request.user, ledgers.query_from(params))
    except ledgers.BadFilters as error:
        return _bad_filters(request, error.errors)
    return render(
        request,
        "dashboard/ledger_confirm.html",
        {
            "kind": kind,
            "title": LedgerExport.Kind(kind).label,
            "filters": ledgers.describe(kind, ledgers.query_from(params)),
            "params": _hidden(params),
            "phones": ledger.detail.get("phones"),
            "reveal": ledgers.can_reveal(request.user),
        },
    )


@login_required
@require_POST
def ledger_export_create(request):
    """Check the ledger and its filters, queue its export, show its progress."""
    kind = request.POST.get("kind", "")
    if kind not in ledgers.BUILDERS:
        messages.error(request, gettext("There is no such ledger. Choose one on this page."))
        return redirect("dashboard:ledgers")
    params = ledgers.params_from(request.POST)
    try:
        ledgers.build(kind, request.user, ledgers.query_from(params))
    except ledgers.BadFilters as error:
        return _bad_filters(request, error.errors)
    pending = exports.pending_exports(request.user).count()
    if pending >= MAX_PENDING:
        messages.error(
            request,
            gettext("You already have %(count)d ledgers being written. Wait until one is ready.")
            % {"count": pending},
        )
        return redirect("dashboard:ledgers")
    export = exports.ledger_export_request(
        user=request.user, kind=kind, params=params, ip=client_ip(request)
    )
    return redirect(export)


@method_decorator(never_cache, name="dispatch")
class LedgerExportView(LoginRequiredMixin, DetailView):
    """One export's progress, refreshing itself until its file can be downloaded."""

    template_name = "dashboard/ledger_export.html"
    context_object_name = "export"

    def get_queryset(self):
        return LedgerExport.objects.filter(requested_by=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = self.object
        stalled = exports.is_stalled(export)
        context.update(
            stalled=stalled,
            waiting_long=exports.is_waiting_long(export),
            refresh=export.is_pending and not stalled,
            failed=export.status == LedgerExport.Status.FAILED or stalled,
            params=_hidden(export.params),
            download_name=exports.download_name(export),
        )
        return context


@login_required
@require_GET
def ledger_export_download(request, pk):
    """The finished file, to its requester only, while their scope is the one it was built
    for (SECURITY.md 6 and 11); anyone else, or a file pruned, is a 404."""
    export = get_object_or_404(
        LedgerExport, pk=pk, requested_by=request.user, status=LedgerExport.Status.DONE
    )
    if export.scope != ledgers.scope_of(request.user):
        raise Http404("the requester's scope changed")
    path = exports.file_path(export)
    if path is None:
        raise Http404("the file is gone")
    audit_record(
        action="ledger.download",
        request=request,
        object_type="ledger",
        object_id=export.kind,
        detail={"export": str(export.uuid), "rows": export.rows_done},
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.download_name(export),
        content_type=XLSX,
    )
