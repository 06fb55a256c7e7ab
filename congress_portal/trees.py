"""A shared check for self-referencing trees (stations, areas, handling units)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MAX_DEPTH = 10


def check_no_cycle(instance, parent_field: str = "parent") -> None:
    """Refuse a parent that is the instance itself or one of its descendants."""
    parent = getattr(instance, parent_field)
    seen = 0
    while parent is not None:
        if instance.pk is not None and parent.pk == instance.pk:
            raise ValidationError(
                {parent_field: gettext("This would put it inside itself: choose another parent.")}
            )
        seen += 1
        if seen > MAX_DEPTH:
            raise ValidationError({parent_field: gettext("The nesting is too deep.")})
        parent = getattr(parent, parent_field)
