"""A fixed-window rate limit in the cache, per client address (SECURITY.md 19).

Hand-written rather than django-ratelimit: we need one call in two views and the same
answer shape for limited and unknown codes; this is a dozen lines over the cache API.
"""

import hashlib
import time

from django.core.cache import cache

from .clients import client_ip


def _client(request) -> str:
    address = client_ip(request) or "unknown"
    return hashlib.sha256(address.encode()).hexdigest()[:16]


def hit(request, scope: str, *, limit: int, window: int) -> bool:
    """Count one request; True while the client stays within ``limit`` per ``window`` seconds."""
    return hit_key(f"{scope}:{_client(request)}", limit=limit, window=window)


def hit_key(name: str, *, limit: int, window: int) -> bool:
    """The same for any key (e.g. a phone number's digest); True while within the limit."""
    bucket = int(time.time() // window)
    key = f"rl:{name}:{bucket}"
    if cache.add(key, 1, timeout=window + 5):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        return True
    return count <= limit
