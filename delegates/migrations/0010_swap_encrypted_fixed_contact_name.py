"""Swap step: the plain name dropped, the encrypted one takes its name."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("delegates", "0009_encrypt_fixed_contact_names")]

    operations = [
        migrations.RemoveField(model_name="fixedcontact", name="name"),
        migrations.RenameField(model_name="fixedcontact", old_name="name_enc", new_name="name"),
    ]
