"""Tierdesk settings: one module, read only from environment variables.

With nothing set Tierdesk runs embedded: SQLite (WAL) in ``TIERDESK_DATA_DIR``, the database
cache, the database task backend and files on disk. ``DATABASE_URL`` moves it to PostgreSQL and
``REDIS_URL`` moves the cache and rate limits to Redis. Every variable is described in
``docs/configuration.md``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.utils.csp import CSP

from tierdesk.core.env import database_from_url, env_bool, env_int, env_list, env_str

SOURCE_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = SOURCE_DIR.parent.parent
_default_data_dir = (
    CHECKOUT_DIR / "var" if (CHECKOUT_DIR / "pyproject.toml").exists() else Path.cwd() / "var"
)
DATA_DIR = Path(env_str("TIERDESK_DATA_DIR", str(_default_data_dir))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Use TIERDESK_SECRET_KEY, else a random key kept in the data directory (never in git)."""
    configured = env_str("TIERDESK_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("TIERDESK_DEBUG", False)
ALLOWED_HOSTS = env_list("TIERDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("TIERDESK_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("TIERDESK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "django_tasks_db",
    "ninja",
    "tierdesk.core",
    "tierdesk.accounts",
    "tierdesk.crm",
    "tierdesk.tickets",
    "tierdesk.sla",
    "tierdesk.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/admin/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _database = database_from_url(DATABASE_URL)
    if env_bool("TIERDESK_DB_POOL", True):
        _pool_size = env_int("TIERDESK_DB_POOL_MAX", 8)
        _database["OPTIONS"] = {
            **_database["OPTIONS"],  # type: ignore[dict-item]
            "pool": {"min_size": 1, "max_size": _pool_size, "timeout": 10},
        }
    else:
        _database["CONN_MAX_AGE"] = env_int("TIERDESK_DB_CONN_MAX_AGE", 60)
        _database["CONN_HEALTH_CHECKS"] = True
else:
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "tierdesk.sqlite3"),
        "OPTIONS": {
            # WAL lets the web, the worker and the scheduler read while one of them writes;
            # IMMEDIATE takes the write lock at BEGIN so concurrent writers queue instead of
            # failing with "database is locked" halfway through a transaction.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and rate limits -----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tierdesk_cache",
        }
    }

NINJA_DEFAULT_THROTTLE_RATES = {
    "auth": env_str("TIERDESK_API_RATE_TOKEN", "6000/min"),
    "user": env_str("TIERDESK_API_RATE_TOKEN", "6000/min"),
    "anon": env_str("TIERDESK_API_RATE_ANON", "60/min"),
}
NINJA_PAGINATION_PER_PAGE = 25

# --- Tasks ---------------------------------------------------------------------------------
TASKS = {
    "default": {"BACKEND": env_str("TIERDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend")}
}

# --- Files ---------------------------------------------------------------------------------
MEDIA_ROOT = Path(env_str("TIERDESK_MEDIA_DIR", str(DATA_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = (
    env_int("TIERDESK_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024) + 1024 * 1024
)

# --- Security ------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("TIERDESK_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Logging -------------------------------------------------------------------------------
LOG_DIR = DATA_DIR / "logs"
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOG_LEVEL = env_str("TIERDESK_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_DIR / "tierdesk.log"),
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["console", "file"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}

# --- Tierdesk behaviour --------------------------------------------------------------------
TIERDESK_TICKET_PREFIX = env_str("TIERDESK_TICKET_PREFIX", "TD")
TIERDESK_REOPEN_DAYS = env_int("TIERDESK_REOPEN_DAYS", 14)
TIERDESK_ATTACHMENT_MAX_BYTES = env_int("TIERDESK_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
# X3: the share of production lost that makes an incident critical or major, in percent.
TIERDESK_SEVERITY_CRITICAL_PERCENT = float(env_str("TIERDESK_SEVERITY_CRITICAL_PERCENT", "20"))
TIERDESK_SEVERITY_MAJOR_PERCENT = float(env_str("TIERDESK_SEVERITY_MAJOR_PERCENT", "2"))
TIERDESK_WORKER_STALE_SECONDS = env_int("TIERDESK_WORKER_STALE_SECONDS", 120)
# Ticket numbers shown to customers are the primary key plus this offset: TD-1001 is the first.
TIERDESK_TICKET_NUMBER_OFFSET = env_int("TIERDESK_TICKET_NUMBER_OFFSET", 1000)
# P4/P7: facts level 1 must gather before escalating a ticket that has no category.
TIERDESK_DEFAULT_REQUIRED_FACTS = env_list(
    "TIERDESK_DEFAULT_REQUIRED_FACTS", ["description", "system_details", "steps_tried"]
)
# P5: an emergency ticket's call-back commitment, counted around the clock whatever the plan.
TIERDESK_EMERGENCY_RESPONSE_MINUTES = env_int("TIERDESK_EMERGENCY_RESPONSE_MINUTES", 30)
# The SLA sweep: how often it runs, and how many due tickets one transaction takes.
TIERDESK_SLA_SWEEP_SECONDS = env_int("TIERDESK_SLA_SWEEP_SECONDS", 30)
TIERDESK_SLA_SWEEP_BATCH = env_int("TIERDESK_SLA_SWEEP_BATCH", 500)
