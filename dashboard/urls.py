from django.urls import path
from django.views.generic import RedirectView

from . import ledger_views, public, views

app_name = "dashboard"

LEDGER_KINDS = ("suggestions", "receptions", "activities", "performance")

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("public/", public.PublicBoardView.as_view(), name="public"),
    path("ledgers/", ledger_views.LedgerIndexView.as_view(), name="ledgers"),
    path("ledgers/exports/", ledger_views.ledger_export_create, name="ledger_export_create"),
    path(
        "ledgers/exports/<uuid:pk>/", ledger_views.LedgerExportView.as_view(), name="ledger_export"
    ),
    path(
        "ledgers/exports/<uuid:pk>/download/",
        ledger_views.ledger_export_download,
        name="ledger_export_download",
    ),
]
for kind in LEDGER_KINDS:
    urlpatterns += [
        # The ledger with the filters of the screen that links it, and a button to export it.
        path(
            f"ledgers/{kind}/",
            ledger_views.ledger_confirm,
            {"kind": kind},
            name=f"ledger_{kind}",
        ),
        # Where the file itself used to be served: bookmarks land on the same page.
        path(
            f"ledgers/{kind}.xlsx",
            RedirectView.as_view(pattern_name=f"dashboard:ledger_{kind}", query_string=True),
        ),
    ]
