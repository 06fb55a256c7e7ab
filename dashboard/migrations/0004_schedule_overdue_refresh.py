from django.db import migrations

from congress_portal.schedules import schedules_operation

SCHEDULES = [
    # (name, task, cron) — django-q2 runs cron schedules in TIME_ZONE (Asia/Shanghai).
    ("Count overdue suggestions", "dashboard.tasks.refresh_overdue", "1 * * * *"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_overdue_gauge_and_unit_year"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("suggestions", "0002_append_only_events"),
    ]

    operations = [
        # A database that already holds suggestions needs `manage.py rebuild_rollups` once
        # for the new gauge and rows (README, "Upgrading"); a data migration cannot call the
        # rollups' code of a later version safely.
        schedules_operation(SCHEDULES),
    ]
