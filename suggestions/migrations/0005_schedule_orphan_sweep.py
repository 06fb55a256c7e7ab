from django.db import migrations

from congress_portal.schedules import schedules_operation

SCHEDULES = [
    # (name, task, cron) — django-q2 runs cron schedules in TIME_ZONE (Asia/Shanghai).
    ("Remove orphan uploads", "suggestions.tasks.sweep_orphan_files", "17 3 * * *"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0004_search_index"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [schedules_operation(SCHEDULES)]
