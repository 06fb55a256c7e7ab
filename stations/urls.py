from django.urls import path

from . import views

app_name = "stations"

urlpatterns = [
    path("", views.StationListView.as_view(), name="list"),
    path("reception-days.ics", views.all_stations_calendar, name="calendar_all"),
    path("<int:pk>/", views.StationDetailView.as_view(), name="detail"),
    path("<int:pk>/reception-days.ics", views.station_calendar, name="calendar"),
    path("<int:pk>/bulletin/", views.BulletinView.as_view(), name="bulletin"),
    path("<int:pk>/bulletin/qr.svg", views.bulletin_qr, name="bulletin_qr"),
    # Station staff and the office.
    path("manage/", views.ManagedStationListView.as_view(), name="manage"),
    path("manage/<int:pk>/", views.StationScheduleView.as_view(), name="schedule"),
    path("manage/<int:pk>/rules/new/", views.RuleCreateView.as_view(), name="rule_new"),
    path("manage/<int:pk>/ledger/", views.LedgerView.as_view(), name="ledger"),
    path("manage/rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("manage/rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("manage/rules/<int:pk>/generate/", views.RuleGenerateView.as_view(), name="rule_generate"),
    path("manage/days/<int:pk>/", views.DayEditView.as_view(), name="day_edit"),
    path("manage/days/<int:pk>/cancel/", views.DayCancelView.as_view(), name="day_cancel"),
    path("manage/days/<int:pk>/duty/", views.DutyView.as_view(), name="day_duty"),
    path(
        "manage/days/<int:pk>/duty/accept/", views.DutyAcceptView.as_view(), name="day_duty_accept"
    ),
    path("manage/days/<int:pk>/log/", views.DayLogView.as_view(), name="day_log"),
    # The office: the official holiday calendar.
    path("calendar/", views.calendar_current, name="calendar_current"),
    path("calendar/<int:year>/", views.CalendarYearView.as_view(), name="calendar_year"),
    path("calendar/<int:year>/fill/", views.CalendarFillView.as_view(), name="calendar_fill"),
    path("calendar/<int:year>/remove/", views.CalendarRemoveView.as_view(), name="calendar_remove"),
    path(
        "calendar/<int:year>/official/",
        views.CalendarOfficialView.as_view(),
        name="calendar_official",
    ),
    # Delegates.
    path("my-duty-days/", views.MyDutyDaysView.as_view(), name="my_duties"),
]
