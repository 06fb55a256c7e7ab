"""Data step: every suggestion's address, name and phone copied into the encrypted columns, and
the phone's keyed digest computed, in batches (congress_portal/crypto_migrations.py). Needs
FIELD_ENCRYPTION_KEYS and FIELD_HASH_KEY (dev-only defaults with DEBUG)."""

from django.db import migrations

from congress_portal.crypto_migrations import copy_columns

COLUMNS = ["address", "submitter_name", "submitter_phone"]


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0006_add_encrypted_contact_columns")]

    operations = [
        migrations.RunPython(
            copy_columns(
                "suggestions",
                "Suggestion",
                COLUMNS,
                digest=("submitter_phone_digest", "submitter_phone"),
            ),
            copy_columns("suggestions", "Suggestion", COLUMNS, backwards=True),
            elidable=False,
        )
    ]
