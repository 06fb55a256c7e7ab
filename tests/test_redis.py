"""REDIS_URL, as .env.example offers it, switches the cache and the task queue to Redis: the
client library must be installed, and the pages that use the cache must work on it. CI runs the
PostgreSQL pass with REDIS_URL set, so the whole suite runs once on Redis."""

import importlib
import os

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

on_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set (CI sets it on PostgreSQL)"
)


def test_the_redis_client_is_installed():
    # Django's RedisCache and django-q2's Redis broker both import it when REDIS_URL is set;
    # without it every tracking lookup and the dashboard answered 500.
    assert importlib.import_module("redis")


def test_redis_url_moves_the_cache_and_the_queue(monkeypatch):
    import environ

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setattr(environ.Env, "ENVIRON", os.environ)
    import congress_portal.settings.base as base

    try:
        reloaded = importlib.reload(base)
        assert reloaded.CACHES["default"]["BACKEND"].endswith("RedisCache")
        assert reloaded.Q_CLUSTER["redis"] == "redis://127.0.0.1:6379/3"
        assert "orm" not in reloaded.Q_CLUSTER
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(base)


@on_redis
def test_the_cache_is_redis_and_works():
    assert type(caches["default"]).__name__ == "RedisCache"
    cache.set("probe", 1, 10)
    assert cache.incr("probe") == 2


@on_redis
@pytest.mark.django_db
def test_a_tracking_lookup_works_on_redis(client):
    # The lookup throttle counts in the cache.
    response = client.get(reverse("suggestions:track_detail", args=["ABCD-EFGH-JKLM"]))
    assert response.status_code == 404
