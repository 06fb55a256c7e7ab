from django.urls import path

from . import ledgers, public, views

app_name = "dashboard"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("public/", public.PublicBoardView.as_view(), name="public"),
    path("ledgers/", ledgers.LedgerIndexView.as_view(), name="ledgers"),
    path("ledgers/suggestions.xlsx", ledgers.suggestion_ledger, name="ledger_suggestions"),
    path("ledgers/receptions.xlsx", ledgers.reception_ledger, name="ledger_receptions"),
    path("ledgers/activities.xlsx", ledgers.activity_ledger, name="ledger_activities"),
    path("ledgers/performance.xlsx", ledgers.performance_ledger, name="ledger_performance"),
]
