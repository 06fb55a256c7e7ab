"""Excel ledgers as background jobs: asked for on /ledgers/, written by a django-q2 task.

A province's suggestion ledger is a million rows and minutes of work: built inside a request
it outlived the web worker's timeout (PERFORMANCE.md). So the request only checks the filters
and writes a ``LedgerExport`` row; the task (``dashboard.tasks.build_ledger_export``) writes
the workbook with openpyxl's write-only sheet from keyset-ordered chunks, moving the row's
progress as it goes; the requester's progress page links the file when it is done. Files
live under ``MEDIA_ROOT/private/ledgers/``, which no URL serves, and are pruned after a day.
"""

import logging
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation

from accounts.services import audit_record

from . import ledgers
from .models import LedgerExport

logger = logging.getLogger(__name__)

PRIVATE_DIR = Path("private") / "ledgers"
PROGRESS_EVERY = 2000  # rows between two progress writes
# A running export whose progress has not moved for this long lost its worker: the page
# says so, and the task may take it up again.
STALLED_AFTER = timedelta(minutes=10)
KEEP_FOR = timedelta(hours=24)
RECENT = 10  # exports listed on the ledgers page


def export_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / PRIVATE_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def file_path(export: LedgerExport) -> Path | None:
    """The finished file of ``export`` on disk, or None."""
    if not export.file:
        return None
    path = Path(settings.MEDIA_ROOT) / export.file
    return path if path.is_file() else None


def is_stalled(export: LedgerExport) -> bool:
    return (
        export.status == LedgerExport.Status.RUNNING
        and export.updated_at < timezone.now() - STALLED_AFTER
    )


def is_waiting_long(export: LedgerExport) -> bool:
    """Queued for longer than a worker takes to start: no cluster may be running."""
    return (
        export.status == LedgerExport.Status.QUEUED
        and export.created_at < timezone.now() - STALLED_AFTER
    )


def pending_exports(user):
    """The user's exports waiting or being written (one whose worker died does not count)."""
    return LedgerExport.objects.filter(requested_by=user).filter(
        Q(status=LedgerExport.Status.QUEUED)
        | Q(
            status=LedgerExport.Status.RUNNING,
            updated_at__gte=timezone.now() - STALLED_AFTER,
        )
    )


def download_name(export: LedgerExport) -> str:
    stamp = timezone.localtime(export.finished_at or export.created_at)
    return f"{FILENAMES.get(export.kind, 'ledger')}-{stamp:%Y%m%d}.xlsx"


FILENAMES = {
    "suggestions": "suggestion-ledger",
    "receptions": "reception-ledger",
    "activities": "activity-ledger",
    "performance": "performance-ledger",
}


def recent_exports(user):
    """The user's latest exports for the ledgers page (one indexed query)."""
    return LedgerExport.objects.filter(requested_by=user).order_by("-created_at")[:RECENT]


def ledger_export_request(*, user, kind: str, params: list, ip: str | None) -> LedgerExport:
    """Queue the ledger ``kind`` of ``user`` with ``params`` ([name, value] pairs, already
    checked by ``ledgers.build``); the task starts once the row is committed."""
    query = ledgers.query_from(params)
    with translation.override(ledgers.LEDGER_LANGUAGE):
        filters = ledgers.describe(kind, query)[:1000]
    with transaction.atomic():
        export = LedgerExport(
            requested_by=user,
            kind=kind,
            params=params,
            filters=filters,
            scope=ledgers.scope_of(user),
            requested_from=ip,
        )
        export.full_clean()
        export.save()
        transaction.on_commit(lambda: _enqueue(export))
    return export


def _enqueue(export: LedgerExport) -> None:
    from django_q.tasks import async_task

    async_task(
        "dashboard.tasks.build_ledger_export",
        str(export.uuid),
        task_name=f"ledger-{export.kind}-{export.uuid}",
    )


def _claim(pk) -> bool:
    """Take the export for this run: a queued one, or a running one whose worker died (a
    retried task); a second worker given the same task finds it taken and leaves it."""
    moment = timezone.now()
    return bool(
        LedgerExport.objects.filter(pk=pk)
        .filter(
            Q(status=LedgerExport.Status.QUEUED)
            | Q(status=LedgerExport.Status.RUNNING, updated_at__lt=moment - STALLED_AFTER)
        )
        .update(status=LedgerExport.Status.RUNNING, rows_done=0, error="", updated_at=moment)
    )


def ledger_export_run(*, pk) -> str:
    """Write the workbook of export ``pk`` (idempotent: a finished or taken export is left
    alone); returns its status. Audited as ``ledger.export`` with its row count."""
    if not _claim(pk):
        return LedgerExport.objects.filter(pk=pk).values_list("status", flat=True).first() or ""
    export = LedgerExport.objects.select_related("requested_by").get(pk=pk)
    user = export.requested_by
    folder = export_dir()
    part = folder / f"{export.uuid}.part"
    final = folder / f"{export.uuid}.xlsx"

    def progress(rows: int) -> None:
        LedgerExport.objects.filter(pk=pk).update(rows_done=rows, updated_at=timezone.now())

    try:
        with translation.override(ledgers.LEDGER_LANGUAGE):
            query = ledgers.query_from(export.params)
            ledger = ledgers.build(export.kind, user, query)
            total = ledger.count()
            LedgerExport.objects.filter(pk=pk).update(rows_total=total, updated_at=timezone.now())
            filters = ledgers.describe(export.kind, query)
            count = ledgers.write_workbook(
                ledger, path=part, user=user, filters=filters, progress=progress
            )
        os.replace(part, final)
    except (ledgers.BadFilters, Http404) as error:
        return _fail(pk, part, f"filters no longer valid: {error}"[:300])
    except Exception as error:  # the export says it failed; the log says why
        logger.exception("ledger export %s failed", pk)
        return _fail(pk, part, f"{type(error).__name__}"[:300])
    LedgerExport.objects.filter(pk=pk).update(
        status=LedgerExport.Status.DONE,
        rows_done=count,
        rows_total=count,
        file=str(PRIVATE_DIR / final.name),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    audit_record(
        action="ledger.export",
        actor=user,
        ip=export.requested_from,
        object_type="ledger",
        object_id=export.kind,
        detail={"rows": count, "filters": filters, "export": str(export.uuid), **ledger.detail},
    )
    return LedgerExport.Status.DONE


def _fail(pk, part: Path, reason: str) -> str:
    part.unlink(missing_ok=True)
    LedgerExport.objects.filter(pk=pk).update(
        status=LedgerExport.Status.FAILED,
        error=reason,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return LedgerExport.Status.FAILED


def ledger_exports_prune(*, older_than: timedelta = KEEP_FOR) -> int:
    """Delete exports asked for more than ``older_than`` ago with their files, and any file
    in the private folder that no export names (a worker killed mid-write); returns how
    many exports went."""
    cutoff = timezone.now() - older_than
    old = LedgerExport.objects.filter(created_at__lt=cutoff)
    names = list(old.values_list("uuid", flat=True))
    deleted, _ = old.delete()
    folder = export_dir()
    for uuid in names:
        for suffix in (".xlsx", ".part"):
            (folder / f"{uuid}{suffix}").unlink(missing_ok=True)
    kept = {str(pk) for pk in LedgerExport.objects.values_list("uuid", flat=True)}
    for path in folder.iterdir():
        if path.stem not in kept and path.stat().st_mtime < cutoff.timestamp():
            path.unlink(missing_ok=True)
    return deleted
