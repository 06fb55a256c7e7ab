"""Backup and restore of the database and the uploaded files (SECURITY.md 24).

One archive holds ``manifest.json``, the database — an online SQLite copy made with SQLite's
backup API, or a ``pg_dump --format=custom`` of PostgreSQL — and ``media/`` (photos and reply
files), as a ``.tar.gz`` that is then encrypted with ``BACKUP_ENCRYPTION_KEY`` (the file is
``.tar.gz.enc``). Restoring goes into the configured database or into another one named by a
URL, so a backup can be proven on a fresh database before anyone needs it.

The encrypted format (version 1), AES-256-GCM over the archive in chunks, after the STREAM
construction age uses, with the ``cryptography`` package's primitives (one dependency the portal
already has for the fields; a dump is far too large for a single Fernet token, which is held
and authenticated in memory as a whole):

* header, 41 bytes: ``PORTALBK``, the version byte ``0x01``, a random 16-byte salt, and a
  16-byte key check ``HMAC-SHA256(file key, "key check")[:16]``;
* file key = HKDF-SHA256(the 32-byte backup key, salt, info ``congress-portal backup v1``),
  a fresh key for every archive;
* then the archive in chunks of ``CHUNK`` bytes (the last shorter, possibly empty), each
  sealed with AES-256-GCM under the file key, the header as associated data and the nonce
  ``chunk number (11 bytes, big-endian) || last-chunk flag (1 byte)``; each stored chunk is
  its plaintext's length + 16 bytes of tag.

A wrong key fails on the key check before anything is written; a changed, reordered or cut
file fails on a tag (the flag marks the true last chunk, so truncation shows too). Restore
still reads an older plain ``.tar.gz``.
"""

import base64
import binascii
import datetime
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import environ
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connection

DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


MAGIC = b"PORTALBK"
VERSION = 1
CHUNK = 1 << 20
TAG = 16
HEADER = len(MAGIC) + 1 + 16 + 16
GZIP_MAGIC = b"\x1f\x8b"


class BackupError(Exception):
    pass


def backup_key() -> bytes:
    """The 32-byte key from ``BACKUP_ENCRYPTION_KEY`` (url-safe base64, e.g. from
    ``Fernet.generate_key()``)."""
    raw = settings.BACKUP_ENCRYPTION_KEY
    if not raw:
        raise BackupError("BACKUP_ENCRYPTION_KEY must be set when DEBUG is off.")
    try:
        key = base64.urlsafe_b64decode(raw.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            "BACKUP_ENCRYPTION_KEY is not 32 url-safe base64-encoded bytes "
            "(make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')."
        )
    return key


def _file_key(key: bytes, salt: bytes) -> tuple[bytes, bytes]:
    file_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=salt, info=b"congress-portal backup v1"
    ).derive(key)
    check = hmac.new(file_key, b"key check", hashlib.sha256).digest()[:16]
    return file_key, check


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt_file(source, target, key: bytes) -> None:
    """Encrypt the open binary file ``source`` into ``target`` (the format above)."""
    salt = os.urandom(16)
    file_key, check = _file_key(key, salt)
    header = MAGIC + bytes([VERSION]) + salt + check
    target.write(header)
    aead = AESGCM(file_key)
    number, current = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if len(current) == CHUNK else b""
        last = not following
        target.write(aead.encrypt(_nonce(number, last), current, header))
        if last:
            return
        number, current = number + 1, following


def decrypt_file(source, target, key: bytes) -> None:
    """Decrypt ``source`` into ``target``; BackupError for a wrong key or a damaged file."""
    header = source.read(HEADER)
    if len(header) < HEADER or not header.startswith(MAGIC):
        raise BackupError("This file is not an encrypted portal backup.")
    if header[len(MAGIC)] != VERSION:
        raise BackupError(f"Unknown backup format version {header[len(MAGIC)]}.")
    salt, check = header[len(MAGIC) + 1 : -16], header[-16:]
    file_key, expected = _file_key(key, salt)
    if not hmac.compare_digest(check, expected):
        raise BackupError(
            "This backup was encrypted with another key: set BACKUP_ENCRYPTION_KEY to the key "
            "it was made with."
        )
    aead = AESGCM(file_key)
    number, current = 0, source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG) if len(current) == CHUNK + TAG else b""
        last = not following
        try:
            target.write(aead.decrypt(_nonce(number, last), current, header))
        except InvalidTag as error:
            raise BackupError("The backup file is damaged or cut short.") from error
        if last:
            return
        number, current = number + 1, following


def _vendor(config: dict) -> str:
    return "sqlite" if config["ENGINE"].endswith("sqlite3") else "postgresql"


def _pg_env(config: dict) -> dict:
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if config.get(key):
            env[variable] = str(config[key])
    return env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:500]}")


def backup(output: Path) -> dict:
    """Write the archive to ``output``; returns the manifest."""
    config = connection.settings_dict
    vendor = _vendor(config)
    with tempfile.TemporaryDirectory() as work:
        dump = Path(work) / DB_MEMBER[vendor]
        if vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            _run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), config["NAME"]],
                _pg_env(config),
            )
        manifest = {
            "format": 1,
            "database": vendor,
            "created": datetime.datetime.now(datetime.UTC).isoformat(),
            "media": Path(settings.MEDIA_ROOT).is_dir(),
        }
        key = backup_key()
        plain = Path(work) / "archive.tar.gz"
        with tarfile.open(plain, "w:gz") as archive:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.add(dump, arcname=dump.name)
            archive.addfile(info, io.BytesIO(data))
            if manifest["media"]:
                archive.add(settings.MEDIA_ROOT, arcname="media")
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        with plain.open("rb") as source, partial.open("wb") as target:
            encrypt_file(source, target, key)
        partial.replace(output)
    return manifest


def restore(archive_path: Path, *, target_url: str | None = None, media_root=None) -> dict:
    """Load an archive into the configured database, or into the one ``target_url`` names."""
    config = environ.Env.db_url_config(target_url) if target_url else connection.settings_dict
    vendor = _vendor(config)
    with tempfile.TemporaryDirectory() as work:
        with Path(archive_path).open("rb") as source:
            if source.read(2) == GZIP_MAGIC:
                plain = Path(archive_path)  # an archive from before backups were encrypted
            else:
                source.seek(0)
                plain = Path(work) / "archive.tar.gz"
                with plain.open("wb") as target:
                    decrypt_file(source, target, backup_key())
        with tarfile.open(plain, "r:gz") as archive:
            archive.extractall(work, filter="data")
        manifest = json.loads((Path(work) / "manifest.json").read_text())
        if manifest.get("database") != vendor:
            raise BackupError(
                f"The archive holds a {manifest.get('database')} database; the target is {vendor}."
            )
        dump = Path(work) / DB_MEMBER[vendor]
        if vendor == "sqlite":
            if not target_url:
                connection.close()
            source = sqlite3.connect(dump)
            target = sqlite3.connect(config["NAME"])
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        else:
            if not target_url:
                connection.close()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                    config["NAME"],
                    str(dump),
                ],
                _pg_env(config),
            )
        media = Path(work) / "media"
        if media.is_dir():
            shutil.copytree(media, media_root or settings.MEDIA_ROOT, dirs_exist_ok=True)
    return manifest
