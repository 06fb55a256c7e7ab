from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.second_factor import enrolment_token_issue

# Who the audit names when a token comes from the command line (no account is logged in).
ACTOR = "manage.py issue_enrolment_token"


class Command(BaseCommand):
    help = _(
        "Issue a one-time enrolment token with which an office or administrator account sets "
        "up its authenticator app. The token is printed once and never stored; audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help=_("The account that will set up its app."))

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("There is no account with this user name."))
        try:
            token, text = enrolment_token_issue(user=user, actor=ACTOR, via="command")
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            _("Enrolment token for %(username)s (works once, until %(expires)s):")
            % {
                "username": user.get_username(),
                "expires": timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M"),
            }
        )
        self.stdout.write(text)
