"""Swap step: the plain column dropped, the encrypted one takes its name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("meetings", "0005_encrypt_resident_representatives")]

    operations = [
        migrations.RemoveField(model_name="meeting", name="resident_representatives"),
        migrations.RenameField(
            model_name="meeting",
            old_name="resident_representatives_enc",
            new_name="resident_representatives",
        ),
    ]
