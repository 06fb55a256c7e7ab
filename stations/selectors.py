"""Reads of the stations app."""

from django.db.models import QuerySet

from .models import Station


def station_public_list() -> QuerySet[Station]:
    """Active stations as the public sees them, with their area and parent."""
    return Station.objects.filter(is_active=True).select_related("region", "parent")
