"""Data step: every fixed contact's name copied into the encrypted column, in batches."""

from django.db import migrations

from congress_portal.crypto_migrations import copy_columns


class Migration(migrations.Migration):
    dependencies = [("delegates", "0008_add_encrypted_fixed_contact_name")]

    operations = [
        migrations.RunPython(
            copy_columns("delegates", "FixedContact", ["name"]),
            copy_columns("delegates", "FixedContact", ["name"], backwards=True),
            elidable=False,
        )
    ]
