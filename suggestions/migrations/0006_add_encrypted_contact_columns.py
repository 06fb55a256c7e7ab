"""Schema step of encrypting residents' address, name and phone at rest: the encrypted columns
beside the plain ones, and the phone's keyed digest with its index (0007 fills them, 0008 drops
the plain columns). On SQLite adding a column with a default rebuilds the table, which drops its
triggers: the text index's triggers are put back (suggestions/search.py; IF NOT EXISTS)."""

from django.db import migrations, models
from django.db.models import Q

import congress_portal.crypto
from suggestions.migrations import _triggers


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0005_schedule_orphan_sweep")]

    operations = [
        # Backwards this runs last, after the reverse operations rebuilt the table.
        migrations.RunPython(migrations.RunPython.noop, _triggers.put_back, elidable=False),
        migrations.AddField(
            model_name="suggestion",
            name="address_enc",
            field=congress_portal.crypto.EncryptedTextField(
                blank=True, default="", max_length=200, verbose_name="address"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="suggestion",
            name="submitter_name_enc",
            field=congress_portal.crypto.EncryptedTextField(
                blank=True, default="", max_length=40, verbose_name="name"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="suggestion",
            name="submitter_phone_enc",
            field=congress_portal.crypto.EncryptedTextField(
                blank=True, default="", max_length=20, verbose_name="phone"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="suggestion",
            name="submitter_phone_digest",
            field=congress_portal.crypto.PhoneDigestField(
                default="", source="submitter_phone", verbose_name="phone digest"
            ),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                condition=~Q(submitter_phone_digest=""),
                fields=["submitter_phone_digest"],
                name="sugg_phone_digest_idx",
            ),
        ),
        migrations.RunPython(_triggers.put_back, migrations.RunPython.noop, elidable=False),
    ]
