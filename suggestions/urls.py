from django.urls import path

from . import views

app_name = "suggestions"

urlpatterns = [
    path("suggestions/new/", views.SuggestionCreateView.as_view(), name="new"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("track/<str:code>/", views.TrackDetailView.as_view(), name="track_detail"),
    path("workbench/suggestions/<int:pk>/", views.SuggestionDetailView.as_view(), name="detail"),
]
