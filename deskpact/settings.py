"""Deskpact settings: every value comes from the environment, with embedded defaults.

The default is the embedded desk: SQLite in the data folder, background work in
process, mail printed to the console. DESKPACT_ENV=production hardens it.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DATA_DIR = Path(os.environ.get("DESKPACT_DATA_DIR") or BASE_DIR.parent / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENT = os.environ.get("DESKPACT_ENV", "development").strip().lower()
PRODUCTION = ENVIRONMENT == "production"


def _secret_key() -> str:
    """Use SECRET_KEY when given; otherwise keep a generated one in the data folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = _env_list("DESKPACT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = _env_list("DESKPACT_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("DESKPACT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "deskpact.web.apps.DeskpactAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "axes",
    "deskpact.core",
    "deskpact.accounts",
    "deskpact.tickets",
    "deskpact.mail",
    "deskpact.licensing",
    "deskpact.contracts.apps.ContractsConfig",
    "deskpact.billing.apps.BillingConfig",
    "deskpact.reports.apps.ReportsConfig",
    "deskpact.web",
    "deskpact.api",
]

MIDDLEWARE = [
    # First: background work waits while this process serves a request.
    "deskpact.core.background.RequestActivity",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "deskpact.accounts.middleware.PasswordExpiryMiddleware",
    # Concurrent licenses: a signed-in licensed user holds a seat (deskpact/licensing).
    "deskpact.licensing.middleware.SeatLeaseMiddleware",
    # Last, as django-axes asks: it turns lockouts raised below into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "deskpact.urls"
WSGI_APPLICATION = "deskpact.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # First, so the desk's registration/ pages win over Django admin's of the same name.
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "deskpact.web.context.license_warning",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'deskpact.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend, with writers queued on a file lock (see its docstring).
    DATABASES["default"]["ENGINE"] = "deskpact.core.sqlite_backend"
    # Kept open between requests like PostgreSQL's: opening a file and running the
    # PRAGMAs below on every request was a tenth of a ticket creation's time.
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue on the database lock instead of failing half-way with
        # "database is locked"; WAL lets readers run beside the one writer.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
        ),
    }
    # A file (not memory) so browser tests' live server shares it; one per test process.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    # Off by default: checking costs a round trip on every request. After a database
    # restart each web process then fails one request and reconnects on the next.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = _env_bool("DESKPACT_DB_HEALTH_CHECKS", False)
    # Parameters bound on the server, and a statement prepared the fifth time a connection
    # runs it: PostgreSQL then stops parsing and planning the same statements on every
    # request (planning a ticket with its people and queue cost more than running it).
    # Set DESKPACT_DB_PREPARE_THRESHOLD=off behind a pooler in transaction mode.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["server_side_binding"] = _env_bool("DESKPACT_DB_SERVER_SIDE_BINDING", True)
    _prepare = os.environ.get("DESKPACT_DB_PREPARE_THRESHOLD", "5").strip().lower()
    _options["prepare_threshold"] = None if _prepare in ("off", "none", "") else int(_prepare)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Licensing ------------------------------------------------------------

# Public keys (base64url, from `deskpact license keygen`) whose signed license keys this
# desk accepts; comma-separated. None: only the evaluation license.
LICENSE_PUBLIC_KEYS = [
    k.strip() for k in os.environ.get("DESKPACT_LICENSE_PUBLIC_KEYS", "").split(",") if k.strip()
]
# How long a process keeps the installed license's terms before reading them again.
LICENSE_CACHE_SECONDS = float(os.environ.get("DESKPACT_LICENSE_CACHE_SECONDS", "5"))
# Concurrent seats: a lease runs out after this many idle minutes; a process renews a
# user's lease at most this often (seconds).
LICENSE_LEASE_IDLE_MINUTES = float(os.environ.get("DESKPACT_LICENSE_IDLE_MINUTES", "30"))
LICENSE_LEASE_RENEW_SECONDS = float(os.environ.get("DESKPACT_LICENSE_RENEW_SECONDS", "60"))

# --- Accounts and passwords -----------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out email before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with its per-request user lookup compiled once.
    "deskpact.accounts.backends.AccountBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
PASSWORD_MIN_LENGTH = int(os.environ.get("DESKPACT_PASSWORD_MIN_LENGTH", "12"))
PASSWORD_HISTORY = int(os.environ.get("DESKPACT_PASSWORD_HISTORY", "5"))
# Days a licensed user's password lives before a new one is required; 0 = never.
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("DESKPACT_PASSWORD_MAX_AGE_DAYS", "90"))
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "deskpact.accounts.validators.PasswordHistoryValidator"},
]

AXES_FAILURE_LIMIT = int(os.environ.get("DESKPACT_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DESKPACT_LOCKOUT_MINUTES", "15")))
# Lock the account, not the address: offices share one IP. Per-address pressure on
# the API is held back by throttling instead.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "deskpact.accounts.lockout.lockout_username"
AXES_RESET_ON_SUCCESS = True
# A lock lasts what the page says; retrying during it must not restart the clock.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "deskpact.web.views.auth.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DESKPACT_PROXY_COUNT", "0")) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

SESSION_ENGINE = "deskpact.accounts.sessions"  # keeps each session's row across key changes
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# --- Internationalisation -------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("DESKPACT_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ----------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even before the first collectstatic
MEDIA_ROOT = Path(os.environ.get("DESKPACT_MEDIA_DIR") or DATA_DIR / "files")
# Production serves collected, hashed and compressed files (collectstatic at deploy time);
# the embedded desk serves straight from the apps, so it starts without a build step.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Email -----------------------------------------------------------------

DEFAULT_FROM_EMAIL = os.environ.get("DESKPACT_FROM_EMAIL", "Deskpact <support@deskpact.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = os.environ.get("EMAIL_URL", "")
if EMAIL_URL:
    from deskpact.core.email_url import parse_email_url

    _email = parse_email_url(EMAIL_URL)
    EMAIL_BACKEND = _email.backend
    EMAIL_HOST, EMAIL_PORT = _email.host, _email.port
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email.user, _email.password
    EMAIL_USE_TLS, EMAIL_USE_SSL = _email.use_tls, _email.use_ssl
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Domain of the Message-IDs the desk writes (replies thread on them).
DESKPACT_MAIL_DOMAIN = os.environ.get("DESKPACT_MAIL_DOMAIN") or (
    DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "deskpact.localhost"
)
# Inbound mail: the largest raw message taken (bigger ones are refused, SMTP 552), and the
# automatic replies (acknowledgements) one sender may get per hour before the desk goes quiet.
DESKPACT_MAIL_MAX_BYTES = int(os.environ.get("DESKPACT_MAIL_MAX_MB", "50")) * 1024 * 1024
DESKPACT_AUTO_REPLIES_PER_HOUR = int(os.environ.get("DESKPACT_AUTO_REPLIES_PER_HOUR", "10"))
# Unknown senders from one domain the desk makes contacts of per hour; beyond it, held.
DESKPACT_NEW_SENDERS_PER_DOMAIN_PER_HOUR = int(
    os.environ.get("DESKPACT_NEW_SENDERS_PER_DOMAIN_PER_HOUR", "30")
)

# --- Billing -------------------------------------------------------------------

# Who the invoices come from. Address and bank details: lines separated by "|".
DESKPACT_PROVIDER = {
    key: value
    for key, value in {
        "name": os.environ.get("DESKPACT_PROVIDER_NAME", ""),
        "address": os.environ.get("DESKPACT_PROVIDER_ADDRESS", "").replace("|", "\n"),
        "email": os.environ.get("DESKPACT_PROVIDER_EMAIL", ""),
        "phone": os.environ.get("DESKPACT_PROVIDER_PHONE", ""),
        "tax_id": os.environ.get("DESKPACT_PROVIDER_TAX_ID", ""),
        "bank": os.environ.get("DESKPACT_PROVIDER_BANK", "").replace("|", "\n"),
        "payment_terms": os.environ.get("DESKPACT_PAYMENT_TERMS", ""),
    }.items()
    if value  # what is not set falls back to the invoice's defaults
}

# --- Tickets -------------------------------------------------------------------

ATTACHMENT_MAX_BYTES = int(os.environ.get("DESKPACT_ATTACHMENT_MAX_MB", "20")) * 1024 * 1024
# Public web form: tickets per sender address and per client address, per hour.
DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR = int(
    os.environ.get("DESKPACT_WEB_FORM_PER_ADDRESS_PER_HOUR", "5")
)
DESKPACT_WEB_FORM_PER_IP_PER_HOUR = int(os.environ.get("DESKPACT_WEB_FORM_PER_IP_PER_HOUR", "20"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Background work ----------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# Unset REDIS_URL: tasks run in this process after the transaction commits, on a
# low-priority background thread (requests first); DESKPACT_TASKS=immediate runs them
# inside the request instead (tests). The Celery backend (chosen by REDIS_URL) plugs in
# here without touching callers.
_TASK_BACKENDS = {
    "thread": "deskpact.core.background.BackgroundThreadBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
DESKPACT_TASKS = os.environ.get("DESKPACT_TASKS", "thread")
if DESKPACT_TASKS not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"DESKPACT_TASKS must be one of {', '.join(_TASK_BACKENDS)}, not {DESKPACT_TASKS!r}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[DESKPACT_TASKS]}}
DESKPACT_BACKGROUND_NICE = int(os.environ.get("DESKPACT_BACKGROUND_NICE", "10"))
DESKPACT_BACKGROUND_MAX_DEFER = float(os.environ.get("DESKPACT_BACKGROUND_MAX_DEFER", "30"))

# --- API ---------------------------------------------------------------------

REST_FRAMEWORK = {
    # Proxies in front: without this a forged X-Forwarded-For would dodge rate limits.
    "NUM_PROXIES": int(os.environ.get("DESKPACT_PROXY_COUNT", "0")),
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "deskpact.accounts.authentication.ApiTokenAuthentication",
        "deskpact.accounts.authentication.SeatSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "deskpact.api.pagination.PagePagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "deskpact.api.problems.problem_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("DESKPACT_TOKEN_RATE", "30/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Deskpact API",
    "DESCRIPTION": "Tickets, contracts, billing and licensing of a Deskpact desk.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
# The API docs page loads Swagger UI from the project's own static files, not a CDN.
SPECTACULAR_SETTINGS["SWAGGER_UI_DIST"] = "SIDECAR"
SPECTACULAR_SETTINGS["SWAGGER_UI_FAVICON_HREF"] = "SIDECAR"

# --- Logging -------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DESKPACT_LOG_LEVEL", "INFO")},
    # Each in-process task would log two INFO lines per request; failures still log.
    "loggers": {
        "axes": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "mail.log": {"level": "WARNING"},  # aiosmtpd logs every SMTP command at INFO
    },
}

# --- Production --------------------------------------------------------------------

if PRODUCTION:
    DEBUG = False
    SECURE_SSL_REDIRECT = _env_bool("DESKPACT_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DESKPACT_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _env_bool("DESKPACT_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    X_FRAME_OPTIONS = "DENY"
