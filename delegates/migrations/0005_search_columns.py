"""The pinyin search columns of every existing delegate filled from the name, and the indexes
that make the public search a prefix match on them on SQLite too.

PostgreSQL already has what a prefix LIKE needs: ``db_index`` on a CharField gives it a
``varchar_pattern_ops`` index beside the plain one (``..._like``). SQLite's LIKE is
case-insensitive, so it uses an index for ``LIKE 'zh%'`` only when the index is NOCASE.
"""

from django.db import migrations

SQLITE_INDEXES = {
    "delegate_name_prefix_nocase": "name",
    "delegate_pinyin_prefix_nocase": "name_pinyin",
    "delegate_initials_prefix_nocase": "name_initials",
}


def fill_search_columns(apps, schema_editor):
    # The conversion itself is a pure function of the name (pypinyin with surname readings).
    from delegates.services import name_syllables

    Delegate = apps.get_model("delegates", "Delegate")
    pinyin_max = Delegate._meta.get_field("name_pinyin").max_length
    initials_max = Delegate._meta.get_field("name_initials").max_length
    batch = []
    for delegate in Delegate.objects.only("id", "name", "name_pinyin", "name_initials").iterator(
        chunk_size=2000
    ):
        syllables = name_syllables(delegate.name)
        pinyin = "".join(syllables)[:pinyin_max]
        initials = "".join(s[0] for s in syllables)[:initials_max]
        if (pinyin, initials) != (delegate.name_pinyin, delegate.name_initials):
            delegate.name_pinyin, delegate.name_initials = pinyin, initials
            batch.append(delegate)
        if len(batch) >= 1000:
            Delegate.objects.bulk_update(batch, ["name_pinyin", "name_initials"])
            batch = []
    if batch:
        Delegate.objects.bulk_update(batch, ["name_pinyin", "name_initials"])


def add_sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, column in SQLITE_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "delegates_delegate" '
            f'("{column}" COLLATE NOCASE)'
        )


def drop_sqlite_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in SQLITE_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("delegates", "0004_submission_keys"),
    ]

    operations = [
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop),
        migrations.RunPython(add_sqlite_indexes, drop_sqlite_indexes),
    ]
