"""The zh_Hans catalogue is complete, and the compiled .mo that Django reads matches it.

A string added to the code without a catalogue entry is caught by CI's makemessages step
(`make i18n-check`); these tests catch what is in the catalogue but not usable.
"""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = LC_MESSAGES / "django.po"
MO_PATH = LC_MESSAGES / "django.mo"

pytestmark = pytest.mark.skipif(
    not PO_PATH.exists(),
    reason=f"{PO_PATH.relative_to(settings.BASE_DIR)} is not committed yet",
)
# %(name)s, %s, %d … as Python's % operator reads them (%% is a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifeEgGxXor]")


@pytest.fixture(scope="module")
def po():
    return polib.pofile(str(PO_PATH))


def _label(entry):
    return f"{entry.msgctxt or ''}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def _catalogue(entries):
    """(context, msgid, plural) → translation(s), as gettext looks them up."""
    catalogue = {}
    for entry in entries:
        if not entry.msgid:  # the header
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural)
        if entry.msgid_plural:
            catalogue[key] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            catalogue[key] = entry.msgstr
    return catalogue


def test_every_entry_is_translated(po):
    untranslated = [_label(entry) for entry in po.untranslated_entries()]

    assert untranslated == [], f"{len(untranslated)} entries without a translation"


def test_no_entry_is_fuzzy(po):
    # msgfmt leaves fuzzy entries out of the .mo: they show in English.
    fuzzy = [_label(entry) for entry in po.fuzzy_entries()]

    assert fuzzy == [], f"{len(fuzzy)} fuzzy entries: review them and drop the fuzzy flag"


def test_translations_keep_the_placeholders_of_the_source(po):
    # A lost or renamed %(name)s turns the page into a KeyError at run time.
    broken = []
    for entry in po.translated_entries():
        if "python-format" not in entry.flags:
            continue
        sources = [_placeholders(text) for text in (entry.msgid, entry.msgid_plural) if text]
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        if any(_placeholders(text) not in sources for text in translations):
            broken.append(_label(entry))

    assert broken == []


def test_the_compiled_catalogue_matches_the_source(po):
    assert MO_PATH.exists(), "django.mo is missing: run compilemessages and commit it"
    compiled = polib.mofile(MO_PATH.read_bytes())
    expected = polib.mofile(po.to_binary())

    assert _catalogue(compiled) == _catalogue(expected), (
        "django.mo is out of date: run `manage.py compilemessages -l zh_Hans` and commit it"
    )
    assert compiled.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")
