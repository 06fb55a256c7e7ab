from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    # Public
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="detail"),
    path("vote/<int:session_pk>/", views.BallotEntryView.as_view(), name="ballot_entry"),
    path("vote/<int:session_pk>/thanks/", views.BallotThanksView.as_view(), name="ballot_thanks"),
    # The ballot code never sits in a path or a query (views.BallotEntryView).
    path("vote/<int:session_pk>/ballot/", views.BallotView.as_view(), name="ballot"),
    # Staff (office, station staff; delegates read)
    path("manage/", views.MeetingListView.as_view(), name="list"),
    path("manage/new/", views.MeetingCreateView.as_view(), name="create"),
    path("manage/satisfaction/", views.SatisfactionView.as_view(), name="satisfaction"),
    path("manage/<int:pk>/", views.MeetingManageView.as_view(), name="manage"),
    path("manage/<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="edit"),
    path("manage/<int:pk>/topics/new/", views.TopicCreateView.as_view(), name="topic_create"),
    path(
        "manage/<int:pk>/topics/proposals/",
        views.TopicProposalsView.as_view(),
        name="topic_proposals",
    ),
    path("manage/<int:pk>/ballot/", views.BallotSetupView.as_view(), name="ballot_setup"),
    path("manage/<int:pk>/ballot/issue/", views.ballot_issue, name="ballot_issue"),
    path("manage/<int:pk>/ballot/paper/", views.BallotPaperView.as_view(), name="ballot_paper"),
    path("manage/<int:pk>/ballot/close/", views.ballot_close, name="ballot_close"),
    path("topics/<int:pk>/", views.TopicDetailView.as_view(), name="topic"),
    path("topics/<int:pk>/edit/", views.TopicEditView.as_view(), name="topic_edit"),
    path("topics/<int:pk>/decide/", views.TopicDecideView.as_view(), name="topic_decide"),
    path("topics/<int:pk>/follow-ups/", views.FollowUpAddView.as_view(), name="follow_up_add"),
    path("follow-ups/<int:pk>/done/", views.follow_up_done, name="follow_up_done"),
]
