"""Shared by migrations (the loader skips modules named with a leading underscore)."""

from suggestions import search


def put_back(apps, schema_editor):
    """SQLite rebuilds a table for some column changes and drops its triggers with it: the text
    index's triggers (suggestions/search.py) are created again where missing."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            for trigger in search.SQLITE_TRIGGERS:
                cursor.execute(trigger)
