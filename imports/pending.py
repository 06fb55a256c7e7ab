"""Uploaded import files waiting between the preview and the confirmation.

The file never travels back through the browser: it is kept in the default storage under
an opaque random name, which only the session that uploaded it knows (the session of one
logged-in user), together with the preview computed once on upload. It is deleted when the
import is confirmed or cancelled, and ignored and deleted after ``MAX_AGE``.
"""

import datetime
import json
import secrets
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

SESSION_KEY = "bulk_imports"
MAX_AGE = 60 * 60
MAX_PENDING = 5
_FOLDER = "imports"


def _paths(token: str) -> tuple[str, str]:
    return f"{_FOLDER}/{token}.xlsx", f"{_FOLDER}/{token}.json"


def _delete_files(token: str) -> None:
    for path in _paths(token):
        if default_storage.exists(path):
            default_storage.delete(path)


def _entries(request) -> dict:
    entries = request.session.get(SESSION_KEY, {})
    return entries if isinstance(entries, dict) else {}


def expire(request) -> None:
    """Forget this session's pending files older than ``MAX_AGE``, and delete every such file
    (also those of sessions that ended without confirming: a handful of files at most)."""
    entries = _entries(request)
    now = time.time()
    for token, entry in list(entries.items()):
        if now - entry.get("created", 0) > MAX_AGE:
            _delete_files(token)
            del entries[token]
    request.session[SESSION_KEY] = entries
    try:
        _dirs, files = default_storage.listdir(_FOLDER)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - datetime.timedelta(seconds=MAX_AGE)
    for name in files:
        path = f"{_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue


def keep(request, *, kind: str, content: bytes, preview: dict, filename: str) -> str:
    """Store the file and its preview; returns the opaque token naming them."""
    expire(request)
    entries = _entries(request)
    # At most a few at a time: the oldest go first.
    for token in sorted(entries, key=lambda t: entries[t]["created"])[: -MAX_PENDING + 1]:
        _delete_files(token)
        del entries[token]
    token = secrets.token_urlsafe(24)
    file_path, preview_path = _paths(token)
    default_storage.save(file_path, ContentFile(content))
    default_storage.save(preview_path, ContentFile(json.dumps(preview).encode()))
    entries[token] = {
        "kind": kind,
        "created": time.time(),
        "user": request.user.pk,
        "filename": filename[:100],
    }
    request.session[SESSION_KEY] = entries
    return token


def find(request, token: str) -> dict | None:
    """This session's entry for ``token`` (its kind and file name), or None."""
    entry = _entries(request).get(token)
    if entry is None or entry.get("user") != request.user.pk:
        return None
    if time.time() - entry.get("created", 0) > MAX_AGE:
        forget(request, token)
        return None
    return entry


def content(token: str) -> bytes:
    with default_storage.open(_paths(token)[0], "rb") as handle:
        return handle.read()


def preview(token: str) -> dict:
    with default_storage.open(_paths(token)[1], "rb") as handle:
        return json.loads(handle.read())


def replace_preview(token: str, data: dict) -> None:
    path = _paths(token)[1]
    if default_storage.exists(path):
        default_storage.delete(path)
    default_storage.save(path, ContentFile(json.dumps(data).encode()))


def forget(request, token: str) -> None:
    _delete_files(token)
    entries = _entries(request)
    entries.pop(token, None)
    request.session[SESSION_KEY] = entries
