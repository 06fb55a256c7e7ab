from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Bulk import of reference data (stations, delegates, units) from Excel. An app of its own
    because it writes into three apps (stations, delegates, suggestions) and sits above them."""

    name = "imports"
    verbose_name = _("Bulk import")
