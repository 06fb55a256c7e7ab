from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegatesConfig(AppConfig):
    name = "delegates"
    verbose_name = _("Delegates")

    def ready(self):
        from congress_portal import events
        from stations.events import RECEPTION_DAY_LOGGED
        from suggestions import events as loop

        from . import performance

        # The kept performance files follow the loop and the reception logs: each event
        # schedules a refresh of the delegates concerned for after the commit.
        loop.subscribe("delegates.performance", performance.on_suggestion_event)
        events.subscribe(
            RECEPTION_DAY_LOGGED, "delegates.performance", performance.on_reception_day_logged
        )
