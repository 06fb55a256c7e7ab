"""Masking of personal data on the server (SECURITY.md 8)."""

import re

_DIGITS = re.compile(r"\d")


def normalise_phone(raw: str) -> str:
    """Digits only, full-width digits folded, a leading +86/0086 country code dropped."""
    text = "".join(
        chr(ord(ch) - 0xFEE0) if "\uff10" <= ch <= "\uff19" else ch for ch in (raw or "")
    )
    digits = "".join(_DIGITS.findall(text))
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
