from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("second-factor/", views.SecondFactorView.as_view(), name="second_factor"),
    path("recovery-codes/", views.RecoveryCodesView.as_view(), name="recovery_codes"),
    path("locked/", views.LockedAccountsView.as_view(), name="locked"),
    path("enrolment/", views.EnrolmentView.as_view(), name="enrolment"),
    path("", views.HomeView.as_view(), name="home"),
]
