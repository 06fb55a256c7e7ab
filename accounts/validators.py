"""Password rules for staff accounts (SECURITY.md 2), beside Django's own validators."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

_CLASSES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^a-zA-Z0-9]"),
)


class CharacterClassValidator:
    """At least ``min_classes`` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for pattern in _CLASSES if pattern.search(password))
        if found < self.min_classes:
            raise ValidationError(
                ngettext(
                    "The password must mix at least %(n)d kind of character "
                    "(lower case, upper case, digits, symbols).",
                    "The password must mix at least %(n)d kinds of characters "
                    "(lower case, upper case, digits, symbols).",
                    self.min_classes,
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return ngettext(
            "Mix at least %(n)d kind of character: lower case, upper case, digits, symbols.",
            "Mix at least %(n)d kinds of characters: lower case, upper case, digits, symbols.",
            self.min_classes,
        ) % {"n": self.min_classes}


# Words an attacker tries first against this portal, in Chinese and in pinyin.
CONTEXT_WORDS = (
    "人大",
    "代表",
    "联络站",
    "代表之家",
    "人民代表",
    "renda",
    "daibiao",
    "npc",
    "congress",
    "lianluozhan",
    "portal",
    "password",
    "admin",
)


class ContextWordValidator:
    """Refuses passwords containing the portal's context words, the username or a station name."""

    def validate(self, password, user=None):
        lowered = password.lower()
        words = list(CONTEXT_WORDS)
        if user is not None:
            if getattr(user, "username", ""):
                words.append(user.username.lower())
            if getattr(user, "pk", None):
                words.extend(
                    name.lower() for name in user.staffed_stations.values_list("name", flat=True)
                )
        words.extend(_station_names())
        for word in words:
            if len(word) >= 2 and word in lowered:
                raise ValidationError(
                    gettext(
                        "The password must not contain the name of the portal, a station, "
                        "or your user name."
                    ),
                    code="password_context_word",
                )

    def get_help_text(self):
        return gettext(
            "It must not contain words like 人大, the name of a station, or your user name."
        )


def _station_names():
    from stations.models import Station

    names = []
    for name in Station.objects.values_list("name", flat=True)[:5000]:
        names.append(name.lower())
        # "东南街道代表之家" → also refuse its place part "东南街道".
        for suffix in (
            "人大代表之家",
            "代表之家",
            "人大代表联络站",
            "代表联络站",
            "联络站",
            "代表工作站",
            "工作站",
            "联络点",
        ):
            if name.endswith(suffix) and len(name) > len(suffix) + 1:
                names.append(name[: -len(suffix)].lower())
    return names
