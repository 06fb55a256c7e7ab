from django.urls import path

from . import unit_views, views

app_name = "suggestions"

urlpatterns = [
    path("suggestions/new/", views.SuggestionCreateView.as_view(), name="new"),
    path("suggestions/submitted/", views.SubmittedView.as_view(), name="submitted"),
    path("suggestions/similar/", views.SimilarView.as_view(), name="similar"),
    path("suggestions/<int:pk>/", views.PublicSuggestionView.as_view(), name="public_detail"),
    path("track/", views.TrackView.as_view(), name="track"),
    path("track/<str:code>/", views.TrackDetailView.as_view(), name="track_detail"),
    path("track/<str:code>/rate/", views.rate, name="rate"),
    # The staff desk.
    path("desk/suggestions/", views.DeskListView.as_view(), name="desk"),
    path("desk/suggestions/new/", views.DeskCreateView.as_view(), name="desk_new"),
    path("desk/suggestions/similar/", views.DeskSimilarView.as_view(), name="desk_similar"),
    path("desk/suggestions/<int:pk>/", views.DeskDetailView.as_view(), name="desk_detail"),
    path(
        "desk/suggestions/<int:pk>/reveal-phone/",
        views.DeskRevealPhoneView.as_view(),
        name="desk_reveal_phone",
    ),
    path(
        "desk/suggestions/<int:pk>/merge-into/<int:into>/",
        views.DeskMergeView.as_view(),
        name="desk_merge_into",
    ),
    path("desk/suggestions/<int:pk>/<slug:step>/", views.DeskStepView.as_view(), name="desk_step"),
    path("desk/attachments/<int:pk>/", views.DeskAttachmentView.as_view(), name="attachment"),
    # The office's handling units.
    path("desk/units/", unit_views.UnitListView.as_view(), name="units"),
    path("desk/units/new/", unit_views.UnitCreateView.as_view(), name="unit_new"),
    path("desk/units/<int:pk>/", unit_views.UnitEditView.as_view(), name="unit_edit"),
    path("desk/units/<int:pk>/staff/", unit_views.UnitMemberView.as_view(), name="unit_members"),
    path(
        "desk/units/<int:pk>/close/",
        unit_views.UnitDeactivateView.as_view(),
        name="unit_deactivate",
    ),
]
