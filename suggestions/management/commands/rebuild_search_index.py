from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.translation import gettext as _

from suggestions import search


class Command(BaseCommand):
    help = _(
        "Recompute the text search index of every suggestion (after the tokenizer changed, "
        "after loading rows with the triggers off, or to put back lost SQLite triggers)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            count = search.rebuild(connection)
        message = _("Search index rebuilt for %(count)d suggestions.") % {"count": count}
        self.stdout.write(self.style.SUCCESS(message))
