"""Settings for the liaison-station portal, driven by environment variables (django-environ).

Development is the default only when DEBUG is set; with DEBUG off every production hardening
switch below is on and a missing SECRET_KEY stops the portal from serving.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# Without DEBUG and without a key the settings still load, so that commands such as
# makemigrations work anywhere; serving refuses to start (congress_portal.checks: a system-check
# error for check/runserver, and wsgi.py/asgi.py for gunicorn), and Django refuses any signing.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105

# Encryption at rest of residents' personal data (congress_portal/crypto.py): Fernet keys,
# comma-separated, newest first (new values are encrypted with the first; every key listed
# still decrypts, so a new key is added in front, `rotate_field_keys` run, then the old key
# dropped). FIELD_HASH_KEY keys the HMAC digests that let the portal match a phone number
# without decrypting. BACKUP_ENCRYPTION_KEY encrypts the backup archives. Like SECRET_KEY,
# dev-only defaults with DEBUG; production without them refuses to serve (congress_portal.checks).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
FIELD_HASH_KEY = env.str("FIELD_HASH_KEY", default="")
BACKUP_ENCRYPTION_KEY = env.str("BACKUP_ENCRYPTION_KEY", default="")
if DEBUG:
    FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [
        "ZGV2LW9ubHktZmllbGQta2V5LW5ldmVyLWluLXByb2Q="
    ]
    FIELD_HASH_KEY = FIELD_HASH_KEY or "dev-only-hash-key-never-use-in-production"
    BACKUP_ENCRYPTION_KEY = BACKUP_ENCRYPTION_KEY or "ZGV2LW9ubHktYmFja3VwLWtleS1uZXZyLWluLXByb2Q="

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_q",
    "import_export",  # its zh_Hans messages; the portal's own pages do the importing
    "congress_portal",  # management commands: backup_portal, restore_portal
    "accounts",
    "stations",
    "delegates",
    "suggestions",
    "meetings",
    "dashboard",
    "imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "congress_portal.middleware.QueryStringNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "congress_portal.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "congress_portal.middleware.PersonalDataNoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.PasswordRotationMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "congress_portal.middleware.DatabaseUnavailableMiddleware",
    # Axes goes last: it turns a locked-out login into its own response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "congress_portal.urls"
WSGI_APPLICATION = "congress_portal.wsgi.application"
ASGI_APPLICATION = "congress_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "congress_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default; DATABASE_URL=postgres://… switches to PostgreSQL (production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections: measured 1.45x faster lookups (PERFORMANCE.md), SQLite included.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock when a
    # transaction starts, so concurrent writers queue (busy_timeout) instead of failing with
    # "database is locked" halfway through. select_for_update() is a no-op on SQLite; the
    # IMMEDIATE transaction is what serialises our transitions there.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=10000;PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
# Rate limits and the tracking-code throttle live in the cache. The embedded default is the
# database cache so that limits hold across worker processes without Redis; REDIS_URL switches
# to Redis.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

# The dashboard's figures for one scope and period, kept this many seconds (0: not kept). They
# come from the rollups and move with every step of the loop, but a figure a minute old is still
# true enough for a dashboard; the cache key holds the whole scope, so no one sees another's.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)

# --- Background work ------------------------------------------------------------------------
# django-q2: a cluster of worker processes with the scheduler of periodic jobs beside them
# (`manage.py qcluster`; `make run` starts one). The embedded default queues tasks in the
# database itself (django-q2's ORM broker: a task is taken by a conditional UPDATE, so two
# workers never run it twice); REDIS_URL moves the queue to Redis, where clusters on several
# machines share it. Chosen over Django's Tasks API backport because it brings the scheduler
# (cron schedules kept in the database, run by exactly one cluster) and works on SQLite too.
Q_CLUSTER = {
    "name": "portal",
    "workers": env.int("PORTAL_QUEUE_WORKERS", default=2),
    # A ledger of a province's million rows takes minutes; a task taken by a worker that died
    # is offered again after ``retry`` seconds, which must exceed ``timeout``.
    "timeout": env.int("PORTAL_QUEUE_TIMEOUT", default=3600),
    "retry": env.int("PORTAL_QUEUE_TIMEOUT", default=3600) + 120,
    "max_attempts": 3,
    "poll": 1,
    "queue_limit": 20,
    "save_limit": 1000,
    "catch_up": False,
    "label": _("Background tasks"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "core:home"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.validators.ContextWordValidator"},
]
# 等保 2.0 asks for rotation; OWASP ASVS discourages it. On by default, 0 switches it off.
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
# 等保 level 3 (SECURITY.md 5): office and admin accounts confirm each login with a TOTP code
# from an authenticator app. On by default in production; `make run` (DEBUG) leaves it off unless
# PORTAL_OFFICE_OTP=true, so the demo office can log in without a phone.
PORTAL_OFFICE_OTP = env.bool("PORTAL_OFFICE_OTP", default=not DEBUG)
OTP_TOTP_ISSUER = "人大代表联络站服务平台"
# The admin never shows an authenticator key, its QR code or a recovery code: enrolment goes
# through a one-time token (accounts/second_factor.py), not through the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# django-axes: 5 failures per (user, IP) lock that pair for 15 minutes, even if the right
# password follows. Its defaults (lock per IP, forever) are not what SECURITY.md asks.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The number of reverse proxies in front of the portal, each appending to X-Forwarded-For;
# congress_portal.clients.client_ip reads the client's address behind them, for the lockout,
# the audit log and the rate limits alike.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "congress_portal.clients.client_ip"

# Sessions: 30 minutes idle, 12 hours absolute (SessionLifetimeMiddleware). The idle expiry is
# pushed forward at most once a minute, not saved on every request (PERFORMANCE.md).
SESSION_COOKIE_AGE = 30 * 60
SESSION_TOUCH_INTERVAL = 60
SESSION_ABSOLUTE_LIFETIME = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploads live outside static and are only ever served through views that check access.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = None

# Size limits (SECURITY.md 16): oversized posts become a form error, never a 500.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
PORTAL_MAX_UPLOAD_BYTES = 8 * 1024 * 1024
PORTAL_MAX_IMAGE_PIXELS = 40_000_000

# --- Security headers -----------------------------------------------------------------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# --- Portal behaviour -----------------------------------------------------------------------
PORTAL_NAME = _("Delegate Liaison Station Portal")
# A replied suggestion that the resident has not rated closes after this many days.
PORTAL_AUTO_CLOSE_DAYS = env.int("PORTAL_AUTO_CLOSE_DAYS", default=15)
# Default handling deadline for a dispatch, in working days on the official calendar.
PORTAL_DEFAULT_DEADLINE_WORKDAYS = env.int("PORTAL_DEFAULT_DEADLINE_WORKDAYS", default=15)
# Residents' contact data is erased this many days after a suggestion closes (PIPL).
PORTAL_CONTACT_RETENTION_DAYS = env.int("PORTAL_CONTACT_RETENTION_DAYS", default=365)
# Audit and transition events are kept at least this long (Cybersecurity Law art. 21).
PORTAL_AUDIT_RETENTION_DAYS = max(180, env.int("PORTAL_AUDIT_RETENTION_DAYS", default=365))
PORTAL_NOTIFIER = env.str("PORTAL_NOTIFIER", default="suggestions.notifiers.LoggingNotifier")
# The address residents open (printed on ballot slips and bulletins as links and QR codes),
# e.g. https://rd.example.gov.cn. Unset in development: the request's own host and port are used.
# `check --deploy` fails without an https address (congress_portal/checks.py).
PORTAL_PUBLIC_BASE_URL = env.str("PORTAL_PUBLIC_BASE_URL", default="")
PORTAL_PRIVACY_CONTACT = env.str("PORTAL_PRIVACY_CONTACT", default="0937-0000000")
# `make bench` (scripts/bench.py) routes its yardstick, a bare template page at /_bench/bare/,
# only with this on; it is never on in production.
PORTAL_BENCH = env.bool("PORTAL_BENCH", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact": {"()": "congress_portal.logs.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# delegates.PerformanceFigures' list indexes carry INCLUDE columns for index-only scans on
# PostgreSQL (production); SQLite, the embedded default, builds them without those columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
