from django.urls import path

from . import office_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("second-factor/", views.SecondFactorView.as_view(), name="second_factor"),
    path("recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("locked/", views.LockedAccountsView.as_view(), name="locked"),
    path("enrolment/", views.EnrolmentView.as_view(), name="enrolment"),
    # The office's staff accounts.
    path("manage/", office_views.AccountListView.as_view(), name="manage"),
    path("manage/new/", office_views.AccountCreateView.as_view(), name="manage_new"),
    path("manage/<int:pk>/", office_views.AccountEditView.as_view(), name="manage_edit"),
    path(
        "manage/<int:pk>/deactivate/",
        office_views.AccountDeactivateView.as_view(),
        name="manage_deactivate",
    ),
    path(
        "manage/<int:pk>/reactivate/",
        office_views.AccountReactivateView.as_view(),
        name="manage_reactivate",
    ),
    path(
        "manage/<int:pk>/password/",
        office_views.AccountPasswordView.as_view(),
        name="manage_password",
    ),
    path("", views.HomeView.as_view(), name="home"),
]
