"""``{{ code|tracking_code }}``: a stored tracking code as people read it (``7K3M-9QXA-4T2B``),
for codes kept outside a suggestion row (e.g. a merge event's target)."""

from django import template

from suggestions.codes import format_code

register = template.Library()


@register.filter
def tracking_code(value) -> str:
    return format_code(str(value or ""))
