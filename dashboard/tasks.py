"""Background jobs of the dashboard, run by the django-q2 cluster (``manage.py qcluster``)."""

from . import rollups


def refresh_overdue() -> int:
    """Hourly: suggestions whose deadline has passed since their last step count as overdue."""
    return rollups.refresh_overdue()


def build_ledger_export(pk: str) -> str:
    """Queued by /ledgers/: write one Excel ledger (``dashboard.exports``); idempotent."""
    from .exports import ledger_export_run

    return ledger_export_run(pk=pk)


def prune_ledger_exports() -> int:
    """Hourly: exports older than a day go, with their files."""
    from .exports import ledger_exports_prune

    return ledger_exports_prune()
