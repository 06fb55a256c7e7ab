"""Links to the staff suggestion list (the desk), built in one place.

The desk (``suggestions:desk``, ``/desk/suggestions/``) filters with GET parameters: ``state``,
``category``, ``station``, ``channel``, ``unit``, ``delegate`` (pks), ``submitted_after``,
``submitted_before`` (YYYY-MM-DD), ``overdue=1``, ``reopened=1``, ``q``; from the dashboard also
``region`` (an area: its stations and those below) and ``state`` repeated for "handled".
"""

from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

DESK_FALLBACK = "/desk/suggestions/"


def desk_base() -> str:
    try:
        return reverse("suggestions:desk")
    except NoReverseMatch:  # the desk list is being built in parallel; its path is agreed
        return DESK_FALLBACK


def with_query(base: str, params: dict) -> str:
    pairs = []
    for key, value in params.items():
        if value is None or value == "" or value is False:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, str(item)) for item in value)
        else:
            pairs.append((key, "1" if value is True else str(value)))
    return f"{base}?{urlencode(pairs)}" if pairs else base


def desk_url(**params) -> str:
    """The desk list filtered by ``params`` (dates as ``datetime.date`` or strings)."""
    return with_query(desk_base(), params)
