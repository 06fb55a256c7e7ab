"""Test settings: the base settings with fast hashing and a local cache."""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# Test-only keys (the dev defaults apply only with DEBUG, and the tests run with DEBUG off).
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1vbmx5LWZpZWxkLWtleS10aGUtY3VycmVudCE=")
os.environ.setdefault("FIELD_HASH_KEY", "test-only-hash-key-not-for-production")
os.environ.setdefault("BACKUP_ENCRYPTION_KEY", "dGVzdC1vbmx5LWJhY2t1cC1rZXktbm90LWluLXByb2Q=")

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A local cache, or with REDIS_URL (CI runs the PostgreSQL pass so) the Redis production uses,
# under a prefix of this run's own. tests/conftest.py clears it around every test: give the
# tests a Redis database of their own (e.g. redis://127.0.0.1:6379/15).
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "test-artifacts" / "media"
PORTAL_NOTIFIER = "suggestions.notifiers.LoggingNotifier"
# Tests use one connection per thread and close it; persistent connections leak across tests.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The second factor is switched on by the tests that exercise it (tests/accounts/
# test_second_factor.py); elsewhere office fixtures log in with force_login as verified staff.
PORTAL_OFFICE_OTP = False
# Tests look at the dashboard right after the step that changes it; the test of the cache
# itself switches it on.
DASHBOARD_CACHE_SECONDS = 0
# Background tasks run at once, inside the request or command that queues them.
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
