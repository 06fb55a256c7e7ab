"""Key rotation of the columns encrypted at rest (``manage.py rotate_field_keys``).

Every model's ``EncryptedTextField`` columns are read raw (the tokens, through the cursor),
a batch of rows at a time in primary-key order, each batch in its own transaction: a token the
newest key does not open is re-encrypted with it (``MultiFernet.rotate``), and each
``PhoneDigestField`` is recomputed from its decrypted phone (so a new ``FIELD_HASH_KEY`` is
rolled out by the same command). Rows already current are not written, so running it again,
or after an interruption, redoes nothing.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction

from .crypto import EncryptedTextField, PhoneDigestField, decrypt, phone_digest, rotate


@dataclass
class Report:
    label: str
    rows: int = 0
    reencrypted: int = 0
    digests: int = 0


def encrypted_models():
    """(model, encrypted fields, digest fields) of every model with an encrypted column."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            digests = [f for f in model._meta.concrete_fields if isinstance(f, PhoneDigestField)]
            yield model, fields, digests


def rotate_model(model, fields, digests, *, batch: int = 2000) -> Report:
    qn = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    columns = [f.column for f in fields] + [f.column for f in digests]
    select = (
        f"SELECT {qn(pk)}, {', '.join(qn(c) for c in columns)} FROM {qn(table)} "  # noqa: S608
        f"WHERE {qn(pk)} > %s ORDER BY {qn(pk)} LIMIT %s"
    )
    update = (
        f"UPDATE {qn(table)} SET {', '.join(f'{qn(c)} = %s' for c in columns)} "  # noqa: S608
        f"WHERE {qn(pk)} = %s"
    )
    by_name = {f.name: i for i, f in enumerate(fields)}
    report = Report(label=model._meta.label)
    last = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last, batch])
            rows = cursor.fetchall()
            if not rows:
                return report
            changes = []
            for key, *values in rows:
                tokens, old_digests = list(values[: len(fields)]), values[len(fields) :]
                changed = False
                for i, token in enumerate(tokens):
                    fresh = rotate(token or "")
                    if fresh is not None:
                        tokens[i], changed = fresh, True
                        report.reencrypted += 1
                new_digests = []
                for field, old in zip(digests, old_digests, strict=True):
                    value = phone_digest(decrypt(tokens[by_name[field.source]] or ""))
                    if value != old:
                        changed = True
                        report.digests += 1
                    new_digests.append(value)
                if changed:
                    changes.append([*tokens, *new_digests, key])
            if changes:
                cursor.executemany(update, changes)
            report.rows += len(rows)
            last = rows[-1][0]


def rotate_all(*, batch: int = 2000):
    for model, fields, digests in encrypted_models():
        yield rotate_model(model, fields, digests, batch=batch)
