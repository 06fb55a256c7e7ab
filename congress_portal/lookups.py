"""``__in`` over integer columns that ignores numbers no integer column can hold.

A form's multiple choice (activity participants, ballot suggestions, the admin's many-to-many
fields) checks its values with ``pk__in=[…]``. On SQLite a value such as
``99999999999999999999`` made the driver raise OverflowError (a 500): Django guards the
single-value lookups against it, not ``in``. No row can have such an id on any backend, so the
value is dropped before the query, and the form reports it as any other unknown choice.
"""

from django.db import models
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

# The widest integer column (bigint / SQLite INTEGER) holds 64-bit signed values.
SMALLEST = -(2**63)
LARGEST = 2**63 - 1


def _bounded(values):
    return [
        value
        for value in values
        if not isinstance(value, int) or isinstance(value, bool) or SMALLEST <= value <= LARGEST
    ]


class BoundedIn(In):
    def get_prep_lookup(self):
        prepared = super().get_prep_lookup()
        if self.rhs_is_direct_value() and isinstance(prepared, list | tuple | set):
            return _bounded(prepared)
        return prepared


class BoundedRelatedIn(RelatedIn):
    """The same for ``station_id__in`` / ``station__in`` (foreign keys use their own lookup)."""

    def get_prep_lookup(self):
        prepared = super().get_prep_lookup()
        if self.rhs_is_direct_value() and isinstance(self.rhs, list | tuple | set):
            self.rhs = _bounded(self.rhs)
        return prepared if not isinstance(prepared, list | tuple | set) else _bounded(prepared)


def register():
    models.IntegerField.register_lookup(BoundedIn)
    models.ForeignObject.register_lookup(BoundedRelatedIn)
