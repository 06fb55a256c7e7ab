"""Backups are encrypted with BACKUP_ENCRYPTION_KEY (congress_portal/backups.py): the archive
holds no resident's data in the clear, restores with the key, and a wrong key or a damaged
file is a clear error."""

import io
import sqlite3

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from congress_portal import backups
from congress_portal.backups import BackupError, backup, decrypt_file, encrypt_file, restore
from congress_portal.crypto import decrypt

pytestmark = pytest.mark.django_db(transaction=True)
KEY = b"k" * 32


@pytest.mark.parametrize("size", [0, 1, 100, 1024, 4096, 4097])
def test_the_chunked_format_round_trips(monkeypatch, size):
    monkeypatch.setattr(backups, "CHUNK", 1024)
    plain = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    sealed = io.BytesIO()
    encrypt_file(io.BytesIO(plain), sealed, KEY)
    assert sealed.getvalue().startswith(b"PORTALBK\x01")
    if size >= 100:
        assert plain not in sealed.getvalue()
    opened = io.BytesIO()
    decrypt_file(io.BytesIO(sealed.getvalue()), opened, KEY)
    assert opened.getvalue() == plain


def _sealed(monkeypatch, plain=b"a" * 5000):
    monkeypatch.setattr(backups, "CHUNK", 1024)
    sealed = io.BytesIO()
    encrypt_file(io.BytesIO(plain), sealed, KEY)
    return sealed.getvalue()


def test_a_wrong_key_is_refused_before_anything_is_written(monkeypatch):
    data, opened = _sealed(monkeypatch), io.BytesIO()
    with pytest.raises(BackupError, match="another key"):
        decrypt_file(io.BytesIO(data), opened, b"w" * 32)
    assert opened.getvalue() == b""


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d[:-1],  # cut inside the last chunk
        lambda d: d[: backups.HEADER + 1024 + 16],  # cut at a chunk boundary
        lambda d: d[:60] + bytes([d[60] ^ 1]) + d[61:],  # one bit flipped
    ],
)
def test_a_damaged_or_cut_file_is_refused(monkeypatch, damage):
    data = _sealed(monkeypatch)
    with pytest.raises(BackupError, match="damaged"):
        decrypt_file(io.BytesIO(damage(data)), io.BytesIO(), KEY)


def test_a_missing_or_malformed_key_is_a_clear_error(settings, tmp_path):
    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(CommandError, match="BACKUP_ENCRYPTION_KEY"):
        call_command("backup_portal", output=str(tmp_path / "x.enc"))
    settings.BACKUP_ENCRYPTION_KEY = "c2hvcnQ="
    with pytest.raises(BackupError, match="32"):
        backup(tmp_path / "x.enc")
    assert not (tmp_path / "x.enc").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the round trip here is on SQLite")
def test_an_encrypted_backup_holds_no_phone_and_restores_with_its_key(settings, tmp_path, submit):
    settings.MEDIA_ROOT = tmp_path / "media"
    s = submit(submitter_phone="13912345678", address="新民路12号")
    archive = tmp_path / "portal.tar.gz.enc"
    call_command("backup_portal", output=str(archive), stdout=io.StringIO())
    data = archive.read_bytes()
    assert data.startswith(b"PORTALBK")
    assert b"13912345678" not in data
    assert "新民路".encode() not in data
    assert not data.startswith(b"\x1f\x8b")  # not a readable gzip

    original = settings.BACKUP_ENCRYPTION_KEY
    settings.BACKUP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(CommandError, match="another key"):
        call_command("restore_portal", str(archive), target=f"sqlite:///{tmp_path / 'x.db'}")

    settings.BACKUP_ENCRYPTION_KEY = original
    fresh = tmp_path / "fresh.sqlite3"
    restore(archive, target_url=f"sqlite:///{fresh}", media_root=tmp_path / "restored")
    with sqlite3.connect(fresh) as db:
        token, title = db.execute(
            "select submitter_phone, title from suggestions_suggestion where id = ?", [s.pk]
        ).fetchone()
    # The restored rows are still encrypted at rest, and the field keys open them.
    assert title == s.title
    assert "13912345678" not in token
    assert decrypt(token) == "13912345678"
