"""Backup and restore of the database and the uploaded files (SECURITY.md 24).

One archive (``.tar.gz``) holds ``manifest.json``, the database — an online SQLite copy made with
SQLite's backup API, or a ``pg_dump --format=custom`` of PostgreSQL — and ``media/`` (photos
and reply files). Restoring goes into the configured database or into another one named by a
URL, so a backup can be proven on a fresh database before anyone needs it.
"""

import datetime
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
from django.conf import settings
from django.db import connection

DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}


class BackupError(Exception):
    pass


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
        output.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(output, "w:gz") as archive:
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.add(dump, arcname=dump.name)
            archive.addfile(info, io.BytesIO(data))
            if manifest["media"]:
                archive.add(settings.MEDIA_ROOT, arcname="media")
    return manifest


def restore(archive_path: Path, *, target_url: str | None = None, media_root=None) -> dict:
    """Load an archive into the configured database, or into the one ``target_url`` names."""
    config = environ.Env.db_url_config(target_url) if target_url else connection.settings_dict
    vendor = _vendor(config)
    with tempfile.TemporaryDirectory() as work, tarfile.open(archive_path, "r:gz") as archive:
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
