"""Uploaded files never outlive a failed transaction.

A FileField writes its file to storage when the row is saved, inside the transaction; if the
transaction then fails (a later step refused, the database gone), the row vanishes and the file
stayed on disk with nothing pointing at it — a resident's photo nothing could ever erase
(SECURITY.md, retention). Two nets:

- ``removed_if_failed()`` wraps a service's transaction: every file stored inside it through
  ``stored()`` is deleted again when an exception leaves the block;
- ``sweep_orphans()`` (daily, ``manage.py sweep_orphan_files``) deletes files of the recent
  months' upload folders that no attachment names — for a transaction rolled back further out,
  after the service had returned. Files younger than an hour are left alone: their transaction
  may still be open.
"""

import contextvars
import datetime
import logging
from contextlib import contextmanager

from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

_stored: contextvars.ContextVar[list | None] = contextvars.ContextVar("stored_files", default=None)

# The folders of Attachment.file (upload_to="attachments/%Y/%m/").
UPLOAD_ROOT = "attachments"
GRACE = datetime.timedelta(hours=1)


@contextmanager
def removed_if_failed():
    outer = _stored.get()
    files: list = [] if outer is None else outer
    token = _stored.set(files)
    try:
        yield
    except BaseException:
        if outer is None:
            for storage, name in files:
                try:
                    storage.delete(name)
                except OSError:
                    logger.warning("could not remove %s after a failed transaction", name)
        raise
    finally:
        _stored.reset(token)


def stored(field_file) -> None:
    """Note a file just written by saving its row (``Attachment.file``)."""
    files = _stored.get()
    if files is not None and field_file and field_file.name:
        files.append((field_file.storage, field_file.name))


def _recent_folders(today: datetime.date, months: int) -> list[str]:
    folders = []
    year, month = today.year, today.month
    for _ in range(months):
        folders.append(f"{UPLOAD_ROOT}/{year:04d}/{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return folders


def sweep_orphans(*, months: int = 2, storage=None) -> list[str]:
    """Delete the files of the last ``months`` upload folders that no attachment names and
    that are older than an hour; return their names."""
    from .models import Attachment

    storage = storage or default_storage
    cutoff = timezone.now() - GRACE
    removed = []
    for folder in _recent_folders(timezone.localdate(), months):
        try:
            _dirs, names = storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
        paths = [f"{folder}/{name}" for name in names]
        for start in range(0, len(paths), 500):
            batch = paths[start : start + 500]
            known = set(Attachment.objects.filter(file__in=batch).values_list("file", flat=True))
            for path in batch:
                if path in known:
                    continue
                try:
                    if storage.get_modified_time(path) > cutoff:
                        continue
                    storage.delete(path)
                except (FileNotFoundError, OSError):
                    continue
                removed.append(path)
    if removed:
        logger.info("removed %d uploaded files that no attachment names", len(removed))
    return removed
