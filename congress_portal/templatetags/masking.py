"""``{{ text|phones_masked:user }}``: phone numbers a resident typed into free text, masked for
everyone but an office account with the right to reveal phones (SECURITY.md 8; the desk shows
details, addresses and notes to units, station staff and delegates)."""

from django import template

from accounts.permissions import may_reveal_phones
from congress_portal.masking import redact_phones

register = template.Library()


@register.filter
def phones_masked(text, user):
    if may_reveal_phones(user):
        return text
    return redact_phones(text or "")
