from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
    verbose_name = _("Dashboard and ledgers")

    def ready(self):
        from suggestions import events

        from . import rollups

        # The figures follow the loop inside its transactions (dashboard.rollups).
        events.subscribe("dashboard.rollups", rollups.on_event)
