"""Asserting that the database itself refuses a row."""

import contextlib

import pytest
from django.db import IntegrityError, transaction


@contextlib.contextmanager
def refused_by_database(check: str = ""):
    """The block's write raises IntegrityError and is rolled back; the rest of the test goes on.

    ``check`` names a CHECK constraint that must be the one refusing: both SQLite and PostgreSQL
    name it in the error. (SQLite names columns, not constraints, for UNIQUE violations.)
    """
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    if check:
        assert check in str(excinfo.value)
