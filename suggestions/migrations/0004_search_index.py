"""The text index of suggestions' titles and details (suggestions/search.py explains the
tokens and holds the DDL beside the tokenizer it mirrors). PostgreSQL: an IMMUTABLE SQL function
and a GIN index over it, kept by the database. SQLite: an FTS5 table kept by triggers. Each half
does nothing on the other backend.

The DDL touches only id, title and details, columns as old as the table, so running today's
version of it here is safe. On PostgreSQL the index is built here: about two minutes at a
million rows, with writes to the table waiting meanwhile.
"""

from django.db import migrations

from suggestions import search


def create_index(apps, schema_editor):
    search.install(schema_editor.connection)


def drop_index(apps, schema_editor):
    search.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0003_desk_indexes")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
