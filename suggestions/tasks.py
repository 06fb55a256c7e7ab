"""Background jobs of the suggestions app, run by the django-q2 cluster (``manage.py qcluster``)."""

from . import files


def sweep_orphan_files() -> int:
    """Daily: uploaded files left behind by a failed transaction are deleted."""
    return len(files.sweep_orphans())


def move_unit_open_work(unit_id: int, successor_id: int, actor_id: int) -> int:
    """After a unit closed down (``services.handling_unit_deactivate``): move its open
    suggestions to the successor in batches. Idempotent: a retry moves what is left."""
    from accounts.models import User

    from .models import HandlingUnit
    from .services import handling_unit_move_open_work

    unit = HandlingUnit.objects.get(pk=unit_id)
    successor = HandlingUnit.objects.get(pk=successor_id)
    actor = User.objects.get(pk=actor_id)
    return handling_unit_move_open_work(unit=unit, successor=successor, actor=actor)
