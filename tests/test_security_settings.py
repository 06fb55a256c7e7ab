import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_deployment_checklist_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress_portal.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "example.org",
        "PORTAL_PUBLIC_BASE_URL": "https://example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "FIELD_HASH_KEY": secrets.token_urlsafe(32),
        "BACKUP_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    env.pop("SECURE_SSL_REDIRECT", None)  # the test settings switch it off; production keeps it

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _run(args, **env_overrides):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress_portal.settings.base",
        "DEBUG": "false",
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "example.org",
        **env_overrides,
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ["manage.py", "check", "--deploy"],
        ["-c", "import congress_portal.wsgi"],
        ["-c", "import congress_portal.asgi"],
    ],
    ids=["deploy-check", "wsgi", "asgi"],
)
def test_production_settings_refuse_to_serve_without_a_secret_key(args):
    result = _run(args)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("public_url", ["", "http://example.org", "example.org"])
def test_deploy_check_fails_without_a_secure_public_address(public_url):
    result = _run(
        ["manage.py", "check", "--deploy"],
        SECRET_KEY=secrets.token_urlsafe(50),
        PORTAL_PUBLIC_BASE_URL=public_url,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        BACKUP_ENCRYPTION_KEY=Fernet.generate_key().decode(),
    )

    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "portal.E005" in output
    # Only the public address is wrong: no other check fails.
    assert "portal.E00" not in output.replace("portal.E005", "")


@pytest.mark.parametrize(
    "args",
    [
        ["manage.py", "check", "--deploy"],
        ["-c", "import congress_portal.wsgi"],
    ],
    ids=["deploy-check", "wsgi"],
)
def test_production_settings_refuse_to_serve_without_the_field_keys(args):
    result = _run(
        args,
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS="",
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        BACKUP_ENCRYPTION_KEY=Fernet.generate_key().decode(),
    )

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_development_commands_work_without_a_secret_key():
    result = _run(["manage.py", "makemigrations", "--check", "--dry-run"])

    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_health_check_answers_ok_after_a_database_round_trip(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["status"] == "ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # makemigrations --check exits non-zero when a model change has no migration.
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_personal_data_is_never_stored_by_a_browser_or_proxy(client, office_user, submit):
    suggestion = submit()
    track = client.get(reverse("suggestions:track_detail", args=[suggestion.tracking_code]))
    assert "no-store" in track["Cache-Control"]
    client.force_login(office_user)
    for url in (
        reverse("suggestions:desk"),
        reverse("suggestions:desk_detail", args=[suggestion.pk]),
        reverse("dashboard:ledgers"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
