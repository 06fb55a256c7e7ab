"""Tracking codes: 12 characters of Crockford's base32 from the OS's CSPRNG (SECURITY.md 19).

Crockford's alphabet leaves out I, L, O and U, so a code read over the phone or copied from a
photo cannot be mistyped into another valid-looking code; input is normalised the Crockford
way (case-insensitive, O→0, I/L→1, dashes and spaces ignored). 60 bits: guessing one of a
million live codes takes ~10^12 tries against a rate-limited form.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12
_NORMALISE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALID = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(raw: str) -> str:
    """The canonical form of what a resident typed, or "" when it cannot be a code."""
    cleaned = re.sub(r"[\s\-_]", "", (raw or "")[:40]).upper().translate(_NORMALISE)
    # Full-width letters and digits typed on a Chinese keyboard.
    cleaned = (
        "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in cleaned)
        .upper()
        .translate(_NORMALISE)
    )
    return cleaned if _VALID.match(cleaned) else ""


def format_code(code: str) -> str:
    """Groups of four for reading aloud and copying: ``7K3M-9QXA-4T2B``. The one way a code
    is shown to people (pages, messages, trails, ledgers, texts); already grouped codes stay
    as they are."""
    code = (code or "").replace("-", "")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
