"""Masking of personal data on the server (SECURITY.md 8)."""

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
