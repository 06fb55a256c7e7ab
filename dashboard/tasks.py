"""Background jobs of the dashboard, run by the django-q2 cluster (``manage.py qcluster``)."""

from . import rollups


def refresh_overdue() -> int:
    """Hourly: suggestions whose deadline has passed since their last step count as overdue."""
    return rollups.refresh_overdue()
