"""``{{ text|phones_masked:user }}``: phone numbers a resident typed into free text, masked for
everyone but an office account with the right to reveal phones (SECURITY.md 8; the desk shows
details, addresses and notes to units, station staff and delegates)."""

from django import template

from congress_portal.masking import redact_phones

register = template.Library()


def may_see_phones(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and getattr(user, "is_office", False)
        and user.has_perm("accounts.reveal_phone")
    )


@register.filter
def phones_masked(text, user):
    if may_see_phones(user):
        return text
    return redact_phones(text or "")
