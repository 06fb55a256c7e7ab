from django.db import migrations

from congress_portal.append_only import install, uninstall

TABLE = "suggestions_suggestionevent"


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0001_initial")]

    operations = [migrations.RunPython(install(TABLE), uninstall(TABLE))]
