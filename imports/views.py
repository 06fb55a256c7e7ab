"""The office's bulk import: choose, download the template, upload, preview, confirm."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from . import pending
from .forms import UploadForm
from .resources import RESOURCES
from .services import (
    MAX_ROWS,
    Preview,
    bulk_import_preview,
    bulk_import_run,
    template_example,
    template_workbook,
)

KINDS = {
    "stations": (
        _("Stations"),
        _("Homes, liaison stations, work stations and contact points, with their areas."),
    ),
    "delegates": (
        _("Delegates"),
        _("Delegates with their levels, constituency, groups and the stations they serve at."),
    ),
    "units": (
        _("Handling units"),
        _("Township governments, county departments and other units, with their contacts."),
    ),
}
PREVIEW_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OfficeOnlyMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        # The 403 handler records the refusal in the audit log.
        if request.user.is_authenticated and not request.user.is_office:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _kind(kind: str):
    if kind not in RESOURCES:
        raise Http404
    return RESOURCES[kind]


class ImportHomeView(OfficeOnlyMixin, TemplateView):
    template_name = "imports/import_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = [
            {"kind": kind, "label": label, "description": description}
            for kind, (label, description) in KINDS.items()
        ]
        return context


class ImportUploadView(OfficeOnlyMixin, View):
    template_name = "imports/import_upload.html"

    def render(self, request, kind, form, status=200):
        resource = _kind(kind)
        return render(
            request,
            self.template_name,
            {
                "kind": kind,
                "kind_label": KINDS[kind][0],
                "columns": resource.columns,
                "form": form,
                "max_rows": MAX_ROWS,
            },
            status=status,
        )

    def get(self, request, kind):
        _kind(kind)
        return self.render(request, kind, UploadForm())

    def post(self, request, kind):
        _kind(kind)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, kind, form, status=400)
        try:
            preview = bulk_import_preview(actor=request.user, kind=kind, content=form.content)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render(request, kind, form, status=400)
        token = pending.keep(
            request,
            kind=kind,
            content=form.content,
            preview=preview.as_dict(),
            filename=form.cleaned_data["file"].name,
        )
        return redirect("imports:preview", token=token)


def template_download(request, kind):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if not request.user.is_office:
        raise PermissionDenied
    _kind(kind)
    response = HttpResponse(template_workbook(kind, template_example(kind)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{kind}.xlsx"'
    return response


class _PendingMixin(OfficeOnlyMixin):
    def entry_or_redirect(self, request, token):
        entry = pending.find(request, token)
        if entry is None:
            messages.warning(
                request,
                gettext(
                    "This upload was already imported, cancelled or has expired: upload it again."
                ),
            )
        return entry


class ImportPreviewView(_PendingMixin, View):
    def get(self, request, token):
        entry = self.entry_or_redirect(request, token)
        if entry is None:
            return redirect("imports:home")
        preview = Preview.from_dict(pending.preview(token))
        only_errors = request.GET.get("show") == "errors"
        rows = (
            [row for row in preview.rows if row.status == "error"] if only_errors else preview.rows
        )
        page = Paginator(rows, PREVIEW_PAGE).get_page(request.GET.get("page"))
        return render(
            request,
            "imports/import_preview.html",
            {
                "token": token,
                "entry": entry,
                "kind": preview.kind,
                "kind_label": KINDS[preview.kind][0],
                "preview": preview,
                "page_obj": page,
                "only_errors": only_errors,
                "labels": RESOURCES[preview.kind].column_labels(),
            },
        )


class ImportConfirmView(_PendingMixin, View):
    def post(self, request, token):
        entry = self.entry_or_redirect(request, token)
        if entry is None:
            return redirect("imports:home")
        kind = entry["kind"]
        if not Preview.from_dict(pending.preview(token)).ok:
            messages.error(
                request,
                gettext(
                    "Nothing was imported: correct the rows with errors and upload the file again."
                ),
            )
            return redirect("imports:preview", token=token)
        outcome = bulk_import_run(
            actor=request.user, kind=kind, content=pending.content(token), request=request
        )
        if not outcome.ok:
            pending.replace_preview(token, outcome.as_dict())
            messages.error(
                request,
                gettext(
                    "Nothing was imported: correct the rows with errors and upload the file again."
                ),
            )
            return redirect("imports:preview", token=token)
        pending.forget(request, token)
        messages.success(
            request,
            gettext("Imported %(rows)d rows: %(new)d new, %(updated)d updated.")
            % {"rows": len(outcome.rows), "new": outcome.new, "updated": outcome.updated},
        )
        return redirect("imports:upload", kind=kind)


class ImportCancelView(_PendingMixin, View):
    def post(self, request, token):
        if pending.find(request, token) is not None:
            pending.forget(request, token)
            messages.info(request, gettext("The upload was discarded; nothing was imported."))
        return redirect("imports:home")
