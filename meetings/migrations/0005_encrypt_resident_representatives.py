"""Data step: every meeting's resident representatives copied into the encrypted column."""

from django.db import migrations

from congress_portal.crypto_migrations import copy_columns


class Migration(migrations.Migration):
    dependencies = [("meetings", "0004_add_encrypted_resident_representatives")]

    operations = [
        migrations.RunPython(
            copy_columns("meetings", "Meeting", ["resident_representatives"]),
            copy_columns("meetings", "Meeting", ["resident_representatives"], backwards=True),
            elidable=False,
        )
    ]
