from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from suggestions.services import suggestions_auto_close_due


class Command(BaseCommand):
    help = _(
        "Close replied suggestions that the resident has not rated within "
        "PORTAL_AUTO_CLOSE_DAYS days. Safe to run from cron as often as you like."
    )

    def handle(self, *args, **options):
        closed = suggestions_auto_close_due()
        self.stdout.write(
            _("Closed %(count)d unrated suggestions (after %(days)d days).")
            % {"count": closed, "days": settings.PORTAL_AUTO_CLOSE_DAYS}
        )
