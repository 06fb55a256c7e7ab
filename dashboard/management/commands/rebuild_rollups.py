from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from dashboard.rollups import rebuild


class Command(BaseCommand):
    help = _(
        "Recompute the dashboard figures from every suggestion's event trail. "
        "Run once after deploying the dashboard, and to repair the figures."
    )

    def handle(self, *args, **options):
        result = rebuild()
        self.stdout.write(
            _("Rebuilt the figures of %(suggestions)d suggestions into %(rows)d rows.")
            % {"suggestions": result.suggestions, "rows": result.rows}
        )
