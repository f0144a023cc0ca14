"""Tierdesk settings: one module, read only from environment variables.

With nothing set Tierdesk runs embedded: SQLite (WAL) in ``TIERDESK_DATA_DIR``, the database
cache, the database task backend and files on disk. ``DATABASE_URL`` moves it to PostgreSQL and
``REDIS_URL`` moves the cache and rate limits to Redis. Every variable is described in
``docs/configuration.md``.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

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
    "tierdesk.kb",
    "tierdesk.sla",
    "tierdesk.mail",
    "tierdesk.notifications",
    "tierdesk.downloads",
    "tierdesk.monitoring",
    "tierdesk.problems",
    "tierdesk.reports",
    "tierdesk.desk",
    "tierdesk.portal",
    "tierdesk.demo",
    # After Tierdesk's apps, so core/templates/allauth/ overrides allauth's plain layouts.
    "allauth",
    "allauth.account",
    "allauth.mfa",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Bodies over TIERDESK_REQUEST_MAX_BYTES are refused before anything reads them.
    "tierdesk.core.limits.RequestSizeLimit",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language (Accept-Language, among LANGUAGES).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every time shown in the reader's zone (their own, else their browser's).
    "tierdesk.accounts.timezones.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "tierdesk.desk.middleware.StaffTwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tierdesk.urls"
WSGI_APPLICATION = "tierdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
# Django's and allauth's backends, loading the session's user with their principal (one query).
AUTHENTICATION_BACKENDS = [
    "tierdesk.accounts.backends.PrincipalModelBackend",
    "tierdesk.accounts.backends.PrincipalAllauthBackend",
]

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
                "tierdesk.desk.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _database = database_from_url(DATABASE_URL)
    if env_bool("TIERDESK_DB_PREPARED_STATEMENTS", True):
        # Parameters bound by the server and statements prepared on their fifth use: planning
        # was most of PostgreSQL's CPU time per API write (docs/benchmarks.md). Turn it off
        # behind a transaction-mode pooler that cannot keep prepared statements.
        _database["OPTIONS"] = {
            **_database["OPTIONS"],  # type: ignore[dict-item]
            "server_side_binding": True,
            "prepare_threshold": 5,
        }
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
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every start when it is missing
WHITENOISE_USE_FINDERS = True
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The download centre's files (docs/downloads.md): a directory under the data directory, or an
# S3-compatible object store (django-storages) when a bucket is named.
TIERDESK_DOWNLOADS_S3_BUCKET = env_str("TIERDESK_DOWNLOADS_S3_BUCKET")
if TIERDESK_DOWNLOADS_S3_BUCKET:
    STORAGES["downloads"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": TIERDESK_DOWNLOADS_S3_BUCKET,
            "endpoint_url": env_str("TIERDESK_DOWNLOADS_S3_ENDPOINT") or None,
            "region_name": env_str("TIERDESK_DOWNLOADS_S3_REGION") or None,
            "access_key": env_str("TIERDESK_DOWNLOADS_S3_ACCESS_KEY") or None,
            "secret_key": env_str("TIERDESK_DOWNLOADS_S3_SECRET_KEY") or None,
            "file_overwrite": False,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    STORAGES["downloads"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env_str("TIERDESK_DOWNLOADS_DIR", str(DATA_DIR / "downloads")),
            "base_url": None,
        },
    }
# Seconds a presigned object-store URL stays valid; days a mailed download link does.
TIERDESK_DOWNLOADS_PRESIGNED_SECONDS = env_int("TIERDESK_DOWNLOADS_PRESIGNED_SECONDS", 300)
TIERDESK_DOWNLOADS_LINK_DAYS = env_int("TIERDESK_DOWNLOADS_LINK_DAYS", 7)
# "nginx:/internal-prefix/" (X-Accel-Redirect) or "sendfile" (X-Sendfile): the front server sends.
TIERDESK_DOWNLOADS_ACCEL = env_str("TIERDESK_DOWNLOADS_ACCEL")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
TIERDESK_ATTACHMENT_MAX_BYTES = env_int("TIERDESK_ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024)
# A whole request (a form with its files, a JSON body): refused with 413 while it streams.
TIERDESK_REQUEST_MAX_BYTES = env_int(
    "TIERDESK_REQUEST_MAX_BYTES", TIERDESK_ATTACHMENT_MAX_BYTES + 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = TIERDESK_REQUEST_MAX_BYTES
# Each file stops at TIERDESK_ATTACHMENT_MAX_BYTES as it arrives (tierdesk.core.limits).
FILE_UPLOAD_HANDLERS = [
    "tierdesk.core.limits.AttachmentSizeLimit",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

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
# HTTPS: redirect plain HTTP to it, and tell browsers to use nothing else (HSTS), once the site
# is served over HTTPS for good. /healthz and /readyz stay on HTTP for local probes.
SECURE_SSL_REDIRECT = env_bool("TIERDESK_SSL_REDIRECT", False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("TIERDESK_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("TIERDESK_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("TIERDESK_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("TIERDESK_SECURE_COOKIES", SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Reverse proxies in front of Tierdesk whose X-Forwarded-For (and X-Forwarded-Proto) we
# believe: the client is the address the last of them saw. 0: the connecting address.
TIERDESK_TRUSTED_PROXIES = env_int("TIERDESK_TRUSTED_PROXIES", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TIERDESK_TRUSTED_PROXIES
if TIERDESK_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
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

# --- Sign-in (django-allauth) --------------------------------------------------------------
# Accounts are made by admins (agents) or from the CRM (contacts): nobody signs up by themselves.
ACCOUNT_ADAPTER = "tierdesk.desk.auth.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# A password reset for an unknown address mails nobody; the page answers the same either way.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Throttles sign-ins and password resets per address and per account. allauth counts them in
# the default cache (the database embedded, Redis with REDIS_URL): one count for all processes.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Tierdesk"
# Staff (agents, managers, admins) must set up TOTP before using the desk or the admin.
TIERDESK_REQUIRE_STAFF_2FA = env_bool("TIERDESK_REQUIRE_STAFF_2FA", False)

LANGUAGE_CODE = "en"
# The languages the pages are translated into (English is complete; a new language is a
# ``locale/<code>/LC_MESSAGES/django.po`` made with ``django-admin makemessages -l <code>``).
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [SOURCE_DIR / "locale"]
# The site's zone; each person reads times in their own (accounts.timezones).
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
# Monitoring intake (docs/monitoring.md): the NOC team's slug, the acknowledgement target.
TIERDESK_MONITORING_TEAM = env_str("TIERDESK_MONITORING_TEAM", "noc")
TIERDESK_MONITORING_ACK_MINUTES = env_int("TIERDESK_MONITORING_ACK_MINUTES", 10)
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
# Tickets that finish by themselves (the days are per plan): how often the job looks.
TIERDESK_AUTOCLOSE_SECONDS = env_int("TIERDESK_AUTOCLOSE_SECONDS", 600)

# --- Notifications and webhooks ------------------------------------------------------------
# How often notifications are mailed, and when (UTC cron) the daily digest goes.
TIERDESK_NOTIFY_SECONDS = env_int("TIERDESK_NOTIFY_SECONDS", 30)
TIERDESK_NOTIFY_DIGEST_CRON = env_str("TIERDESK_NOTIFY_DIGEST_CRON", "0 7 * * *")
# Webhooks: how often due deliveries are sent, the attempts per payload, the failures in a row
# that disable a webhook, and the seconds one POST may take.
TIERDESK_WEBHOOK_SECONDS = env_int("TIERDESK_WEBHOOK_SECONDS", 30)
TIERDESK_WEBHOOK_ATTEMPTS = env_int("TIERDESK_WEBHOOK_ATTEMPTS", 6)
TIERDESK_WEBHOOK_DISABLE_AFTER = env_int("TIERDESK_WEBHOOK_DISABLE_AFTER", 15)
TIERDESK_WEBHOOK_TIMEOUT = env_int("TIERDESK_WEBHOOK_TIMEOUT", 10)

# --- Mail ---------------------------------------------------------------------------------
# Outgoing mail goes through Django's MAILERS: "default" from TIERDESK_SMTP_*, or, with no SMTP
# host set, into files under the data directory (nothing leaves a laptop by accident). More
# sending identities (one per mailbox) come from TIERDESK_MAILERS_JSON, e.g.
# {"sales": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {...}}}.
TIERDESK_SMTP_HOST = env_str("TIERDESK_SMTP_HOST")
if TIERDESK_SMTP_HOST:
    _default_mailer: dict[str, object] = {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": TIERDESK_SMTP_HOST,
            "port": env_int("TIERDESK_SMTP_PORT", 587),
            "username": env_str("TIERDESK_SMTP_USER"),
            "password": env_str("TIERDESK_SMTP_PASSWORD"),
            "use_tls": env_bool("TIERDESK_SMTP_STARTTLS", True),
            "use_ssl": env_bool("TIERDESK_SMTP_SSL", False),
            "timeout": env_int("TIERDESK_SMTP_TIMEOUT", 30),
        },
    }
else:
    _default_mailer = {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "mail-outbox")},
    }
MAILERS = {"default": _default_mailer, **json.loads(env_str("TIERDESK_MAILERS_JSON", "{}"))}
TIERDESK_MAIL_FROM = env_str("TIERDESK_MAIL_FROM", "Support <support@tierdesk.localhost>")
DEFAULT_FROM_EMAIL = TIERDESK_MAIL_FROM
SERVER_EMAIL = TIERDESK_MAIL_FROM
# The right-hand side of our Message-IDs; empty: the domain of TIERDESK_MAIL_FROM.
TIERDESK_MAIL_ID_DOMAIN = env_str("TIERDESK_MAIL_ID_DOMAIN")
# What our X-Tierdesk-Loop header says; empty: derived from the secret key.
TIERDESK_MAIL_LOOP_ID = env_str("TIERDESK_MAIL_LOOP_ID")
TIERDESK_MAIL_MAX_BYTES = env_int("TIERDESK_MAIL_MAX_BYTES", 40 * 1024 * 1024)
TIERDESK_MAIL_AUTO_PER_HOUR = env_int("TIERDESK_MAIL_AUTO_PER_HOUR", 10)
TIERDESK_MAIL_SEND_ATTEMPTS = env_int("TIERDESK_MAIL_SEND_ATTEMPTS", 6)
TIERDESK_MAIL_HARD_BOUNCE_DAYS = env_int("TIERDESK_MAIL_HARD_BOUNCE_DAYS", 30)
TIERDESK_MAIL_SOFT_BOUNCE_HOURS = env_int("TIERDESK_MAIL_SOFT_BOUNCE_HOURS", 24)
TIERDESK_MAIL_POLL_SECONDS = env_int("TIERDESK_MAIL_POLL_SECONDS", 60)
TIERDESK_MAIL_NOTIFY = env_bool("TIERDESK_MAIL_NOTIFY", True)
# Who sent a mail (docs/mail.md, "Who sent it"): "dns" checks DKIM, SPF and DMARC itself,
# "trusted" only reads the Authentication-Results of TIERDESK_MAIL_TRUSTED_AUTHSERV_ID, "off".
TIERDESK_MAIL_AUTH = env_str("TIERDESK_MAIL_AUTH", "dns")
TIERDESK_MAIL_TRUSTED_AUTHSERV_ID = env_str("TIERDESK_MAIL_TRUSTED_AUTHSERV_ID")
TIERDESK_MAIL_DNS_RESOLVER = env_str("TIERDESK_MAIL_DNS_RESOLVER")  # host[:port]; empty: system
TIERDESK_MAIL_DNS_TIMEOUT = env_int("TIERDESK_MAIL_DNS_TIMEOUT", 2)
