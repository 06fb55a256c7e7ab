"""Masking of personal data on the server (SECURITY.md 8)."""

import re
import unicodedata


def normalise_phone(raw: str) -> str:
    """ASCII digits only, a leading +86/0086 country code dropped.

    Every decimal digit a phone's keyboard can type is folded to its ASCII digit: full-width
    (１３８), Arabic-Indic (١٣٨), Devanagari and the rest (``unicodedata.decimal``), so a number is
    stored, masked, matched and texted the same however it was typed. Anything else (spaces,
    dashes, brackets, letters) is dropped; the forms then check the length and the prefix.
    """
    digits = "".join(
        str(unicodedata.decimal(ch))
        for ch in (raw or "")
        if unicodedata.decimal(ch, None) is not None
    )
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def mask_phone(value: str) -> str:
    """``13800138000`` → ``138****8000``; short numbers keep only their last two digits."""
    digits = normalise_phone(value)
    if not digits:
        return ""
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    # Landlines and short numbers: too short to keep both ends hidden, keep the last two.
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_name(value: str) -> str:
    """``张建华`` → ``张**``: the surname only."""
    value = (value or "").strip()
    if not value:
        return ""
    return value[0] + "*" * min(len(value) - 1, 3)


# Phone numbers written into free text (details, notes, replies), matched on a copy of the text
# whose digits are all ASCII (so full-width and other digits are found too): mobiles, also with
# spaces, dashes or +86, and landlines with their area code.
_PHONE_IN_TEXT = re.compile(
    r"(?<!\d)(?:(?:\+?86[\s-]?)?1[3-9](?:[\s-]?\d){9}|0\d{2,3}[\s-]?\d{7,8})(?!\d)"
)


def _ascii_digits(text: str) -> str:
    """The same text, each decimal digit replaced by its ASCII digit (same length)."""
    return "".join(
        str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text
    )


def redact_phones(text: str) -> str:
    """Mask anything that looks like a phone number a resident typed into the text
    (``13800138000`` → ``138****8000``), whatever digits it was typed with."""
    if not text:
        return ""
    folded = _ascii_digits(text)
    pieces, last = [], 0
    for match in _PHONE_IN_TEXT.finditer(folded):
        pieces.append(text[last : match.start()])
        pieces.append(mask_phone(match.group(0)))
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def contains_phone(text: str) -> bool:
    """Whether the text holds something ``redact_phones`` would mask (a search for a number
    must not tell whether some resident typed it)."""
    return bool(text) and _PHONE_IN_TEXT.search(_ascii_digits(text)) is not None
