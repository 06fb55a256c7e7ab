from django.db import migrations

SCHEDULES = [
    # (name, task, cron) — django-q2 runs cron schedules in TIME_ZONE (Asia/Shanghai).
    ("Count overdue suggestions", "dashboard.tasks.refresh_overdue", "1 * * * *"),
]


def add_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, func, cron in SCHEDULES:
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": "C", "cron": cron, "repeats": -1}
        )


def remove_schedules(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name__in=[name for name, _func, _cron in SCHEDULES]).delete()


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
        migrations.RunPython(add_schedules, remove_schedules),
    ]
