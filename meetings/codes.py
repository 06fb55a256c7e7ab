"""One-time ballot codes (SECURITY.md 20).

Ten characters of Crockford's base32 from the OS's CSPRNG: 50 bits, so guessing one of a
session's few hundred live codes takes ~10^12 tries against a rate-limited page. The alphabet
leaves out I, L, O and U, so a code typed from a paper slip cannot be misread into another one;
input is normalised the Crockford way (case-insensitive, O→0, I/L→1, dashes and spaces ignored).

Only a keyed hash of a code is stored (HMAC-SHA256 with the site's secret key): a copy of the
database alone does not let anyone try codes offline. Rotating SECRET_KEY voids the codes of a
running session; they are re-issued from the session page.
"""

import re
import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
_NORMALISE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALID = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(raw: str) -> str:
    """The canonical form of what a voter typed or scanned, or "" when it cannot be a code."""
    text = (raw or "")[:40]
    # Full-width letters and digits typed on a Chinese keyboard.
    text = "".join(chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in text)
    cleaned = re.sub(r"[\s\-_]", "", text).upper().translate(_NORMALISE)
    return cleaned if _VALID.match(cleaned) else ""


def hash_code(code: str) -> str:
    """The stored form of a canonical code: 64 hex characters."""
    return salted_hmac("meetings.ballot-code", code, algorithm="sha256").hexdigest()


def format_code(code: str) -> str:
    """Two groups of five for reading and typing: ``7K3M9-QXA4T``."""
    return f"{code[:5]}-{code[5:]}"
