from django.urls import path

from . import views

app_name = "delegates"

urlpatterns = [
    path("", views.DelegateListView.as_view(), name="list"),
    path("<int:pk>/", views.DelegateDetailView.as_view(), name="detail"),
]
