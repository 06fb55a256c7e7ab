"""Figures kept in step with the loop: every event of a suggestion passes through here, inside
the transaction that records it (called from ``suggestions.services._record``)."""


def on_event(event) -> None:
    """Apply one suggestion event to the rollups."""
