#!/usr/bin/env python
"""Fails when the zh_Hans catalogue is out of step with the strings in the code.

Runs makemessages the way the README says, compares the catalogue it produces with the one on
disk entry by entry (context, source string, translation, fuzzy flag), and puts the file back
as it was: the check changes nothing. Entries are compared rather than text, because msgmerge
rewrites the POT-Creation-Date header on every run and wraps long lines its own way, which
tells nothing about whether a string lacks its translation.

Run from the repository root with the project's Python: DEBUG=true .venv/bin/python scripts/...
"""

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES = [
    "makemessages", "-l", "zh_Hans", "--no-location", "--no-obsolete",
    "-i", ".venv/*", "-i", "node_modules/*", "-i", "staticfiles/*",
]  # fmt: skip


def entries(po: polib.POFile) -> dict:
    """(context, msgid, plural) → (translation(s), fuzzy) for every live entry."""
    found = {}
    for entry in po:
        if entry.obsolete:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        translated = (
            tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if entry.msgid_plural
            else entry.msgstr
        )
        found[key] = (translated, entry.fuzzy)
    return found


def describe(key) -> str:
    context, msgid, _plural = key
    return f"[{context}] {msgid!r}" if context else repr(msgid)


def main() -> int:
    if not PO_PATH.exists():
        print(f"{PO_PATH.relative_to(ROOT)} is not committed yet: catalogue check skipped.")
        return 0
    original = PO_PATH.read_bytes()
    env = {**os.environ, "DEBUG": "true"}
    try:
        subprocess.run(  # noqa: S603  (a fixed command: our manage.py)
            [sys.executable, "manage.py", *MAKEMESSAGES, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        regenerated = entries(polib.pofile(PO_PATH.read_text(encoding="utf-8")))
    finally:
        PO_PATH.write_bytes(original)
    committed = entries(polib.pofile(original.decode("utf-8")))

    problems = [f"not in the catalogue: {describe(k)}" for k in regenerated.keys() - committed]
    problems += [f"no longer in the code: {describe(k)}" for k in committed.keys() - regenerated]
    problems += [
        f"changed by makemessages: {describe(k)}"
        for k in regenerated.keys() & committed.keys()
        if regenerated[k] != committed[k]
    ]
    if problems:
        print(f"{PO_PATH.relative_to(ROOT)} is out of step with the code:")
        for problem in sorted(problems):
            print(f"  {problem}")
        print(
            "Run makemessages (see README, Translations), translate the new entries, "
            "compile, and commit the .po and the .mo."
        )
        return 1
    print(f"{PO_PATH.relative_to(ROOT)}: {len(committed)} entries, in step with the code.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
