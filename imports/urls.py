from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.ImportHomeView.as_view(), name="home"),
    path("<slug:kind>/", views.ImportUploadView.as_view(), name="upload"),
    path("<slug:kind>/template.xlsx", views.template_download, name="template"),
    path("preview/<slug:token>/", views.ImportPreviewView.as_view(), name="preview"),
    path("preview/<slug:token>/confirm/", views.ImportConfirmView.as_view(), name="confirm"),
    path("preview/<slug:token>/cancel/", views.ImportCancelView.as_view(), name="cancel"),
]
