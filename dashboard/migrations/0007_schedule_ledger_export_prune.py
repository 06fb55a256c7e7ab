from django.db import migrations

from congress_portal.schedules import schedules_operation

SCHEDULES = [
    # (name, task, cron) — django-q2 runs cron schedules in TIME_ZONE (Asia/Shanghai).
    ("Prune old ledger exports", "dashboard.tasks.prune_ledger_exports", "17 * * * *"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0006_ledger_export"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [schedules_operation(SCHEDULES)]
