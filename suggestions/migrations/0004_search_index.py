"""The text index of suggestions' titles and details (suggestions/search.py explains the
tokens). PostgreSQL: an IMMUTABLE SQL function and a GIN index over it, kept by the database.
SQLite: an FTS5 table kept by triggers. Each half does nothing on the other backend.

On PostgreSQL the index is built in this migration (about two minutes at a million rows, with
writes to the table blocked meanwhile)."""

from django.db import migrations

# Mirrors suggestions.search.index_tokens: substr(run, i, 2) for every i of a Han run gives
# its bigrams and its last character alone; ASCII words are lower-cased after matching and
# cut at 32 characters. array_to_tsvector takes the tokens as they are (no parser, no
# dictionary), so the result does not depend on the server's locale: IMMUTABLE is honest.
PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION suggestion_search_vector(title text, content text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT coalesce(array_to_tsvector(array_agg(DISTINCT token)), ''::tsvector)
FROM (
    SELECT substr(run[1], i, 2) AS token
    FROM regexp_matches(
        coalesce(title, '') || ' ' || coalesce(content, ''),
        '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]+', 'g'
    ) AS run,
    generate_series(1, char_length(run[1])) AS i
    UNION ALL
    SELECT left(lower(word[1]), 32)
    FROM regexp_matches(coalesce(title, '') || ' ' || coalesce(content, ''), '[A-Za-z0-9]+', 'g')
        AS word
) AS tokens
$$;
-- Evaluating it costs far more than an operator: the planner should prefer the index to
-- computing it row by row, unless the rows it walks are few.
ALTER FUNCTION suggestion_search_vector(text, text) COST 500;
"""
PG_INDEX = """
CREATE INDEX IF NOT EXISTS sugg_search_gin_idx ON suggestions_suggestion
USING gin (suggestion_search_vector(title, content));
"""
PG_REVERSE = """
DROP INDEX IF EXISTS sugg_search_gin_idx;
DROP FUNCTION IF EXISTS suggestion_search_vector(text, text);
"""

# Contentless (the tokens are not stored twice) and detail=none (presence is all a search
# needs), so the table stays small; a contentless table forgets a row by being told the row's
# tokens again, hence the OLD values in the delete and update triggers. The "ascii"
# tokenizer splits the stored tokens at the spaces only and leaves Han characters alone.
SQLITE_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS suggestion_search
USING fts5(tokens, content='', detail=none, tokenize='ascii');
"""
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER IF NOT EXISTS suggestion_search_insert
    AFTER INSERT ON suggestions_suggestion BEGIN
        INSERT INTO suggestion_search (rowid, tokens)
        VALUES (new.id, portal_search_tokens(new.title, new.content));
    END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS suggestion_search_delete
    AFTER DELETE ON suggestions_suggestion BEGIN
        INSERT INTO suggestion_search (suggestion_search, rowid, tokens)
        VALUES ('delete', old.id, portal_search_tokens(old.title, old.content));
    END;
    """,
    """
    CREATE TRIGGER IF NOT EXISTS suggestion_search_update
    AFTER UPDATE OF title, content ON suggestions_suggestion
    WHEN old.title IS NOT new.title OR old.content IS NOT new.content BEGIN
        INSERT INTO suggestion_search (suggestion_search, rowid, tokens)
        VALUES ('delete', old.id, portal_search_tokens(old.title, old.content));
        INSERT INTO suggestion_search (rowid, tokens)
        VALUES (new.id, portal_search_tokens(new.title, new.content));
    END;
    """,
]
SQLITE_FILL = """
INSERT INTO suggestion_search (rowid, tokens)
SELECT id, portal_search_tokens(title, content) FROM suggestions_suggestion;
"""
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS suggestion_search_insert;",
    "DROP TRIGGER IF EXISTS suggestion_search_delete;",
    "DROP TRIGGER IF EXISTS suggestion_search_update;",
    "DROP TABLE IF EXISTS suggestion_search;",
]


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        schema_editor.execute(PG_INDEX)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        for trigger in SQLITE_TRIGGERS:
            schema_editor.execute(trigger)
        schema_editor.execute(SQLITE_FILL)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0002_append_only_events")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
