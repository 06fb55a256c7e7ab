"""Shared by migrations (the loader skips modules named with a leading underscore)."""

from suggestions import search


def put_back(apps, schema_editor):
    """SQLite rebuilds a table for some column changes and drops its triggers with it: the text
    index's triggers are put back at once (post_migrate does it too, but only at the end of
    ``migrate``, and a write in between would miss the index)."""
    search.ensure_sqlite_triggers(using=schema_editor.connection.alias)
