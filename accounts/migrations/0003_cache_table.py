from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The database cache backs rate limits when Redis is not configured (settings.CACHES).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_append_only_audit")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
