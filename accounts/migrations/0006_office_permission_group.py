"""The congress office's permission group, with every existing office account in it."""

from django.db import migrations


def create_office_group(apps, schema_editor):
    from accounts.office import office_group_sync

    office_group_sync(apps)


def remove_office_group(apps, schema_editor):
    from accounts.office import OFFICE_GROUP_NAME

    apps.get_model("auth", "Group").objects.filter(name=OFFICE_GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_enrolment_tokens"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("delegates", "0007_activity_invitations"),
        ("meetings", "0003_ballot_staging"),
        ("stations", "0004_fill_region_paths"),
        ("suggestions", "0005_schedule_orphan_sweep"),
    ]

    operations = [migrations.RunPython(create_office_group, remove_office_group)]
