"""Keep secrets out of log lines: ballot codes and tracking codes travel in URLs, and Django
logs the path of every 4xx response (and runserver every request)."""

import logging
import re

_SECRETS = [
    # /meetings/vote/<session>/<code>/ → who held which slip must not be recoverable.
    (re.compile(r"(/meetings/vote/\d+/)[^/\s\"?]+"), r"\1[code]"),
    # /track/<code>/ → a resident's code gives access to their suggestion's page.
    (re.compile(r"(/track/)[^/\s\"?]+"), r"\1[code]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True
