from django.urls import path

from . import office_views, views

app_name = "delegates"

urlpatterns = [
    path("", views.DelegateListView.as_view(), name="list"),
    path("<int:pk>/", views.DelegateDetailView.as_view(), name="detail"),
    path(
        "<int:pk>/deactivate/",
        office_views.DelegateDeactivateView.as_view(),
        name="deactivate",
    ),
    # A delegate's own records (the office: anyone's).
    path("activities/", views.ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", views.ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", views.ActivityDetailView.as_view(), name="activity_detail"),
    path(
        "activities/invitations/<int:pk>/",
        views.ActivityInvitationAnswerView.as_view(),
        name="activity_invitation",
    ),
    path("activities/<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="activity_edit"),
    path("activities/<int:pk>/delete/", views.ActivityDeleteView.as_view(), name="activity_delete"),
    path("diary/", views.DiaryView.as_view(), name="diary"),
    path("diary/<int:pk>/suggest/", views.DiarySuggestView.as_view(), name="diary_suggest"),
    path("diary/<int:pk>/delete/", views.diary_delete, name="diary_delete"),
    path("contacts/", views.FixedContactsView.as_view(), name="contacts"),
    # Performance files (履职档案).
    path("performance/", views.PerformanceListView.as_view(), name="performance_list"),
    path(
        "performance/export.xlsx",
        views.PerformanceExportView.as_view(),
        name="performance_export",
    ),
    path("performance/mine/", views.MyPerformanceView.as_view(), name="my_performance"),
    path(
        "performance/<int:pk>/<int:year>/",
        views.PerformanceFileView.as_view(),
        name="performance_file",
    ),
    path(
        "performance/<int:pk>/<int:year>/report/",
        views.AnnualReportView.as_view(),
        name="annual_report",
    ),
    path("targets/<int:year>/", views.TargetsView.as_view(), name="targets"),
]
