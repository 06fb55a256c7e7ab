"""A backup restores into a fresh database with every row and every uploaded file."""

import io
import os
import sqlite3

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from PIL import Image

from congress_portal.backups import backup, restore
from suggestions.models import Suggestion

pytestmark = pytest.mark.django_db(transaction=True)


def _photo():
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(buffer, format="JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def data(settings, tmp_path, submit):
    settings.MEDIA_ROOT = tmp_path / "media"
    first = submit(title="备份前的建议", photos=[_photo()])
    submit(title="另一条建议")
    return first


def _fresh_postgres(name):
    config = connection.settings_dict
    params = dict(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    return params


def test_a_backup_restores_into_a_fresh_database_with_its_files(data, tmp_path):
    archive = tmp_path / "portal.tar.gz.enc"
    call_command("backup_portal", output=str(archive))
    assert archive.stat().st_size > 0
    media = tmp_path / "restored-media"
    photo = data.attachments.get().file.name

    if connection.vendor == "sqlite":
        fresh = tmp_path / "fresh.sqlite3"
        restore(archive, target_url=f"sqlite:///{fresh}", media_root=media)
        with sqlite3.connect(fresh) as db:
            titles = {row[0] for row in db.execute("select title from suggestions_suggestion")}
            events = db.execute("select count(*) from suggestions_suggestionevent").fetchone()[0]
    else:
        # Named after the test database (test_<DATABASE_URL's name>), so that runs side by side
        # on one server never share it.
        name = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
        params = _fresh_postgres(name)
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            config = connection.settings_dict
            url = (
                f"postgres://{config['USER']}@{config['HOST'] or '127.0.0.1'}:"
                f"{config['PORT'] or 5432}/{name}"
            )
            restore(archive, target_url=url, media_root=media)
            with psycopg.connect(**{**params, "dbname": name}) as db:
                titles = {r[0] for r in db.execute("select title from suggestions_suggestion")}
                events = db.execute("select count(*) from suggestions_suggestionevent").fetchone()[
                    0
                ]
        finally:
            with psycopg.connect(**params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert titles == set(Suggestion.objects.values_list("title", flat=True))
    assert events == 2
    assert (media / photo).is_file()


def test_an_archive_of_another_engine_is_refused(tmp_path, data):
    archive = tmp_path / "portal.tar.gz.enc"
    backup(archive)
    other = (
        "postgres://postgres@127.0.0.1:5432/x"
        if connection.vendor == "sqlite"
        else (f"sqlite:///{tmp_path / 'x.sqlite3'}")
    )
    with pytest.raises(Exception, match="database"):
        restore(archive, target_url=other)
