from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("suggestions/new/", views.SuggestionCreateView.as_view(), name="new"),
    path("suggestions/submitted/", views.SubmittedView.as_view(), name="submitted"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("track/<str:code>/", views.TrackDetailView.as_view(), name="track_detail"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
]
