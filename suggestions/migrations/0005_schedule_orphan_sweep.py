from django.db import migrations

SCHEDULES = [
    # (name, task, cron) — django-q2 runs cron schedules in TIME_ZONE (Asia/Shanghai).
    ("Remove orphan uploads", "suggestions.tasks.sweep_orphan_files", "17 3 * * *"),
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
        ("suggestions", "0004_search_index"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
