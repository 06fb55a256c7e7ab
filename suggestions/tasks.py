"""Background jobs of the suggestions app, run by the django-q2 cluster (``manage.py qcluster``)."""

from . import files


def sweep_orphan_files() -> int:
    """Daily: uploaded files left behind by a failed transaction are deleted."""
    return len(files.sweep_orphans())
