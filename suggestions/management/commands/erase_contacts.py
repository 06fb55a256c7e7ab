from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from suggestions.services import suggestions_erase_contacts_due


class Command(BaseCommand):
    help = _(
        "Erase residents' names and phone numbers from suggestions closed more than "
        "PORTAL_CONTACT_RETENTION_DAYS days ago. Safe to run from cron daily."
    )

    def handle(self, *args, **options):
        erased = suggestions_erase_contacts_due()
        self.stdout.write(
            _("Erased the contact data of %(count)d suggestions (closed over %(days)d days ago).")
            % {"count": erased, "days": settings.PORTAL_CONTACT_RETENTION_DAYS}
        )
