"""Reads of the delegates app."""

from django.db.models import QuerySet

from .models import Delegate


def delegate_public_list() -> QuerySet[Delegate]:
    """Serving delegates as the public sees them, with levels and stations prefetched."""
    return Delegate.objects.filter(is_active=True).prefetch_related(
        "mandates__term", "mandates__constituency", "stations", "groups"
    )
