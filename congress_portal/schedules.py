"""Periodic background jobs, created by the apps' migrations as django-q2 schedules.

One helper for every migration that adds some: ``operations += schedules_operation([...])``
with (name, dotted task, cron) triples; django-q2 runs cron schedules in TIME_ZONE
(Asia/Shanghai). It takes the historical Schedule model, so later changes to django-q2's
model do not break old migrations.
"""

from django.db import migrations


def schedules_operation(schedules: list[tuple[str, str, str]]) -> migrations.RunPython:
    names = [name for name, _func, _cron in schedules]

    def add(apps, schema_editor):
        Schedule = apps.get_model("django_q", "Schedule")
        for name, func, cron in schedules:
            Schedule.objects.update_or_create(
                name=name,
                defaults={"func": func, "schedule_type": "C", "cron": cron, "repeats": -1},
            )

    def remove(apps, schema_editor):
        apps.get_model("django_q", "Schedule").objects.filter(name__in=names).delete()

    return migrations.RunPython(add, remove)
