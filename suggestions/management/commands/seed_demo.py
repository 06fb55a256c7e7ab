from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from delegates import demo as delegates_demo
from meetings import demo as meetings_demo
from stations import demo as stations_demo
from stations.models import Region
from suggestions.demo import DEMO_PASSWORD, DISTRICT, DemoBuilder

LOGINS = [
    ("office", "congress office: sees everything, dashboards, admin"),
    ("staff", "station staff of 东南街道人大代表之家 and its 8 work stations"),
    ("delegate", "delegate 张建华, stationed at 东南街道"),
    ("unit", "handling unit 东南街道办事处"),
]


class Command(BaseCommand):
    help = _("Build the demo district from the seed articles (idempotent; development only).")

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help=_("Run even with DEBUG off (never in production).")
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                _(
                    "seed_demo creates accounts with a published password; it refuses to run with "
                    "DEBUG off. Use --force on a machine that is not production."
                )
            )
        if Region.objects.filter(name=DISTRICT, kind=Region.Kind.DISTRICT).exists():
            self.stdout.write(_("Demo data is already there; nothing changed."))
        else:
            self.stdout.write(_("Building the demo district…"))
            with transaction.atomic():
                DemoBuilder(stdout=self.stdout).build()
            self.stdout.write(self.style.SUCCESS(_("Demo district built.")))
        # Each app's demo on top of the district; each is idempotent.
        for seed in (stations_demo.seed, delegates_demo.seed, meetings_demo.seed):
            with transaction.atomic():
                seed(stdout=self.stdout)
        self.stdout.write(_("Demo logins (password %(password)s):") % {"password": DEMO_PASSWORD})
        for username, what in LOGINS:
            self.stdout.write(f"  {username:<9} {what}")
