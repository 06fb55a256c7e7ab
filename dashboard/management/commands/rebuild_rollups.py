from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from dashboard.rollups import check, rebuild


class Command(BaseCommand):
    help = _(
        "Recompute the dashboard figures from every suggestion's event trail. "
        "Run once after deploying the dashboard, after moving a station or an area, and to "
        "repair the figures; with --check, only compare them and report."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help=_("Compare the kept figures with a fresh computation; change nothing."),
        )

    def handle(self, *args, **options):
        if options["check"]:
            result = check()
            if not result.ok:
                raise CommandError(
                    _(
                        "The figures differ from a fresh computation: suggestions %(figures)s; "
                        "rollup rows %(rows)s; area rows %(areas)s. "
                        "Run rebuild_rollups to repair them."
                    )
                    % {
                        "figures": result.figures or "-",
                        "rows": result.rows or "-",
                        "areas": result.area_rows or "-",
                    }
                )
            self.stdout.write(
                _("The figures of %(n)d suggestions agree with their event trails.")
                % {"n": result.suggestions}
            )
            return
        result = rebuild()
        self.stdout.write(
            _(
                "Rebuilt the figures of %(suggestions)d suggestions into %(rows)d rows and "
                "%(areas)d area rows in %(seconds)s s."
            )
            % {
                "suggestions": result.suggestions,
                "rows": result.rows,
                "areas": result.area_rows,
                "seconds": result.seconds,
            }
        )
