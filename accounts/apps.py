from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and audit")

    def ready(self):
        from congress_portal import checks  # noqa: F401  (start-up checks)

        from . import signals  # noqa: F401  (audit of logins, logouts and lockouts)
