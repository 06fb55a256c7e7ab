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


def rebuild_existing(apps, schema_editor):
    """A database that already holds suggestions gets the new gauge and the whole-year unit
    rows now (a fresh one has nothing to rebuild). Uses the rollups' code of this version."""
    Suggestion = apps.get_model("suggestions", "Suggestion")
    if not Suggestion.objects.using(schema_editor.connection.alias).exists():
        return
    from dashboard.rollups import rebuild

    rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_overdue_gauge_and_unit_year"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("suggestions", "0002_append_only_events"),
    ]

    operations = [
        migrations.RunPython(add_schedules, remove_schedules),
        migrations.RunPython(rebuild_existing, migrations.RunPython.noop),
    ]
