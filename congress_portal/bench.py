"""The yardstick of `make bench` (scripts/bench.py): a bare page rendering a small template.

It goes through the same middleware stack as every page (sessions, locale, CSRF, CSP, axes …)
and touches no table, so "page ÷ bare" is what a page costs beyond serving any Django page on
this machine at this moment. Routed only when ``PORTAL_BENCH`` is on (congress_portal/urls.py).
"""

from django.shortcuts import render

ITEMS = tuple(f"item {n}" for n in range(1, 11))


def bare(request):
    return render(request, "bench/bare.html", {"title": "bench", "items": ITEMS})
