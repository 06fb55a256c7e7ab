"""Ballot and tracking codes never reach the log (SECURITY.md 13, 20)."""

import io
import logging

import pytest

from congress_portal.logs import RedactSecretsFilter


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/meetings/vote/12/7K3M9QXA4T2B/", "/meetings/vote/12/[code]/"),
        ("/track/7K3M-9QXA-4T2B/rate/", "/track/[code]/rate/"),
        ("/stations/3/", "/stations/3/"),
    ],
)
def test_codes_in_logged_paths_are_replaced(path, kept):
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", (path,), None
    )
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == f"Not Found: {kept}"


def test_the_configured_console_handler_redacts_a_ballot_404(client, db):
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactSecretsFilter) for f in h.filters)
    ]
    assert handlers, "the console handler of settings.LOGGING lost its redact filter"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    try:
        client.get("/meetings/vote/999999/SECRETCODE99/")
    finally:
        handlers[0].setStream(previous)
    written = stream.getvalue()
    assert "/meetings/vote/999999/[code]/" in written
    assert "SECRETCODE99" not in written
