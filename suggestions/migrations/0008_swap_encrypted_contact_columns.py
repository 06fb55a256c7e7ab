"""Swap step: the plain columns dropped, the encrypted ones take their names. The text index's
SQLite triggers are put back in case the table was rebuilt (see 0006)."""

from django.db import migrations

from suggestions.migrations import _triggers


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0007_encrypt_contact_columns")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _triggers.put_back, elidable=False),
        migrations.RemoveField(model_name="suggestion", name="address"),
        migrations.RemoveField(model_name="suggestion", name="submitter_name"),
        migrations.RemoveField(model_name="suggestion", name="submitter_phone"),
        migrations.RenameField(model_name="suggestion", old_name="address_enc", new_name="address"),
        migrations.RenameField(
            model_name="suggestion", old_name="submitter_name_enc", new_name="submitter_name"
        ),
        migrations.RenameField(
            model_name="suggestion", old_name="submitter_phone_enc", new_name="submitter_phone"
        ),
        migrations.RunPython(_triggers.put_back, migrations.RunPython.noop, elidable=False),
    ]
