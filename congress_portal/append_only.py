"""Database triggers that make event tables append-only (SECURITY.md 14).

PostgreSQL (production) refuses UPDATE always and DELETE of rows younger than the 180-day
retention floor; older rows may be purged. SQLite refuses UPDATE only: Django's test flush
empties tables with DELETE there, and SQLite is the embedded default, not production.
TRUNCATE, which PostgreSQL's flush uses, fires no row trigger.
"""

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'append-only table %%: updates are refused', TG_TABLE_NAME;
    END IF;
    IF OLD.created_at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'append-only table %%: rows are kept 180 days', TG_TABLE_NAME;
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;
"""


def install(table):
    """A RunPython forward function installing the trigger on ``table``."""

    def forward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(_PG_FUNCTION)
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION portal_refuse_change()"
            )
        elif vendor == "sqlite":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'append-only table: updates are refused'); END"
            )

    return forward


def uninstall(table):
    def backward(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")

    return backward
