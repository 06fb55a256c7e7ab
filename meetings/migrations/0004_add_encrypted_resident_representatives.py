"""Schema step of encrypting the resident representatives' names at rest (0005 fills, 0006
swaps)."""

from django.db import migrations

import congress_portal.crypto


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_ballot_staging")]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="resident_representatives_enc",
            field=congress_portal.crypto.EncryptedTextField(
                blank=True, default="", max_length=500, verbose_name="resident representatives"
            ),
            preserve_default=False,
        ),
    ]
