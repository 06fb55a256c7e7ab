"""A photo of a submission that fails mid-transaction leaves no file behind; a sweeper removes
the files a transaction rolled back further out left (SECURITY.md: nothing kept that nothing can
erase)."""

import datetime
import io
import os
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import IntegrityError, transaction
from PIL import Image

from suggestions import files, services
from suggestions.models import Attachment, Suggestion

pytestmark = pytest.mark.django_db(transaction=True)


def _photo(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(buffer, format="JPEG")
    return ContentFile(buffer.getvalue(), name=name)


def _upload_files():
    found = []
    for folder in files._recent_folders(datetime.date.today(), 2):
        try:
            found += [f"{folder}/{n}" for n in default_storage.listdir(folder)[1]]
        except FileNotFoundError:
            pass
    return set(found)


def test_a_submission_failing_after_its_photo_was_stored_leaves_no_file(station, category):
    before = _upload_files()
    with mock.patch.object(services, "_record", side_effect=IntegrityError("boom")):
        with pytest.raises(IntegrityError):
            services.suggestion_submit(
                title="路灯", content="坏了", category=category, station=station, photos=[_photo()]
            )
    assert not Suggestion.objects.exists()
    assert _upload_files() == before


def test_a_successful_submission_keeps_its_photo(station, category):
    suggestion = services.suggestion_submit(
        title="路灯", content="坏了", category=category, station=station, photos=[_photo()]
    )
    attachment = suggestion.attachments.get()
    assert default_storage.exists(attachment.file.name)


def test_the_sweeper_removes_a_file_a_rolled_back_outer_transaction_left(station, category):
    with pytest.raises(RuntimeError), transaction.atomic():
        suggestion = services.suggestion_submit(
            title="路灯", content="坏了", category=category, station=station, photos=[_photo()]
        )
        name = suggestion.attachments.get().file.name
        raise RuntimeError("a later step of the same transaction failed")
    assert not Attachment.objects.filter(file=name).exists()
    assert default_storage.exists(name)  # the outer rollback came after the service returned

    kept = (
        services.suggestion_submit(
            title="路灯", content="坏了", category=category, station=station, photos=[_photo()]
        )
        .attachments.get()
        .file.name
    )
    old = (datetime.datetime.now() - datetime.timedelta(hours=2)).timestamp()
    for path in (name, kept):
        os.utime(default_storage.path(path), (old, old))

    call_command("sweep_orphan_files")
    assert not default_storage.exists(name)
    assert default_storage.exists(kept)


def test_the_sweeper_leaves_fresh_files_alone(station, category):
    with pytest.raises(RuntimeError), transaction.atomic():
        suggestion = services.suggestion_submit(
            title="路灯", content="坏了", category=category, station=station, photos=[_photo()]
        )
        name = suggestion.attachments.get().file.name
        raise RuntimeError("rolled back")
    assert name not in files.sweep_orphans()
    assert default_storage.exists(name)
    default_storage.delete(name)
