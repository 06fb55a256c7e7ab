from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="detail"),
]
