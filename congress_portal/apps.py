from django.apps import AppConfig


class CongressPortalConfig(AppConfig):
    name = "congress_portal"
    verbose_name = "Congress portal"

    def ready(self):
        from . import lookups

        lookups.register()
