"""The data step of the migrations that encrypt columns at rest (schema add → data → swap).

The schema step adds ``<column>_enc`` beside each plain column; this step copies every row's
plain value into it, encrypted, in batches by primary key (a million rows never sit in memory,
and the table is updated a batch at a time); the swap step drops the plain column and renames
``<column>_enc`` to its name. Backwards, the same batches decrypt into the plain column.
"""

from .crypto import phone_digest

BATCH = 2_000


def _batches(manager, columns):
    last = 0
    while True:
        rows = list(manager.filter(pk__gt=last).order_by("pk").values_list("pk", *columns)[:BATCH])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def copy_columns(app_label, model_name, columns, *, digest=None, backwards=False):
    """A RunPython function copying ``columns`` (plain → ``<column>_enc``, or back);
    ``digest=(field, phone column)`` also fills the phone's keyed digest going forward."""

    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        db = schema_editor.connection.alias
        source = [f"{c}_enc" for c in columns] if backwards else list(columns)
        target = list(columns) if backwards else [f"{c}_enc" for c in columns]
        fields = list(target)
        if digest and not backwards:
            fields.append(digest[0])
        manager = model._base_manager.using(db)
        for rows in _batches(manager, source):
            objects = []
            for pk, *values in rows:
                obj = model(pk=pk)
                for name, value in zip(target, values, strict=True):
                    setattr(obj, name, value or "")
                if digest and not backwards:
                    phone = values[source.index(digest[1])]
                    setattr(obj, digest[0], phone_digest(phone or ""))
                objects.append(obj)
            manager.bulk_update(objects, fields)

    return run
