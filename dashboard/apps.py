from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("Dashboard and ledgers")

    def ready(self):
        from congress_portal import events
        from meetings.events import BALLOT_SESSION_CLOSED
        from stations.events import RECEPTION_DAY_LOGGED
        from suggestions import events as loop

        from . import rollups

        # The figures follow the loop, the reception logs and the ballots inside their
        # transactions (dashboard.rollups).
        loop.subscribe("dashboard.rollups", rollups.on_event)
        events.subscribe(RECEPTION_DAY_LOGGED, "dashboard.rollups", rollups.on_reception_log)
        events.subscribe(BALLOT_SESSION_CLOSED, "dashboard.rollups", rollups.on_ballot_close)
