from django.db import migrations

from congress_portal.append_only import install, uninstall

TABLE = "accounts_auditevent"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(install(TABLE), uninstall(TABLE))]
