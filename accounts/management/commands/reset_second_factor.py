from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.second_factor import second_factor_reset

ACTOR = "manage.py reset_second_factor"


class Command(BaseCommand):
    help = _(
        "Remove the authenticator app and recovery codes of an account (a lost phone); its "
        "next login needs a new enrolment token (issue_enrolment_token). Audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("The account whose second factor is removed."))

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no account with this user name."))
        try:
            removed = second_factor_reset(user=user, actor=ACTOR, via="command")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _(
                "Removed %(count)d second-factor devices of %(username)s. Issue a new token "
                "with issue_enrolment_token to let them set up a new app."
            )
            % {"count": removed, "username": user.get_username()}
        )
