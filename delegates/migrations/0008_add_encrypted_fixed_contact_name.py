"""Schema step of encrypting fixed contacts' names at rest (0009 fills, 0010 swaps)."""

from django.db import migrations

import congress_portal.crypto


class Migration(migrations.Migration):
    dependencies = [("delegates", "0007_activity_invitations")]

    operations = [
        migrations.AddField(
            model_name="fixedcontact",
            name="name_enc",
            field=congress_portal.crypto.EncryptedTextField(
                default="", max_length=40, verbose_name="resident"
            ),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="fixedcontact",
            options={
                "ordering": ["-since", "pk"],
                "verbose_name": "fixed contact",
                "verbose_name_plural": "fixed contacts",
            },
        ),
    ]
