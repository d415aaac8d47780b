"""Django settings for Jembatan.

Everything that differs between a laptop, CI and production comes from environment
variables. The defaults are the *embedded* mode: a SQLite file and Celery tasks run
in-process, so ``make run`` needs no server. Production must set ``SECRET_KEY`` and
leave ``DEBUG`` off; ``JEMBATAN_ENV=local`` (set by ``make run``) is the only path that
turns debug on and accepts the built-in development key.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# "local" is the developer/demo path (make run, tests); anything else is production-like.
JEMBATAN_ENV = os.environ.get("JEMBATAN_ENV", "production")
LOCAL = JEMBATAN_ENV in {"local", "test"}

DEBUG = env_bool("DEBUG", default=JEMBATAN_ENV == "local")
_DEV_SECRET_KEY = "django-insecure-jembatan-local-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or (_DEV_SECRET_KEY if LOCAL else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set outside local development (or set JEMBATAN_ENV=local)."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if LOCAL else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "matchmaking.admin_site.TwoFactorAdminConfig",  # django.contrib.admin, 2FA for staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "simple_history",
    "common",
    "components",
    "partners",
    "matchmaking",
]

# --- Staff two-factor, staff idle timeout, no-store (issue #10) -----------------------
# JEMBATAN_STAFF_2FA: "required" (production default) sends a staff user without a TOTP
# device to enrolment and one with a device to the code page before any page or the admin;
# "optional" (local/test default) asks the code only of staff who enrolled.
STAFF_2FA = os.environ.get("JEMBATAN_STAFF_2FA", "optional" if LOCAL else "required")
if STAFF_2FA not in {"required", "optional"}:
    raise ImproperlyConfigured("JEMBATAN_STAFF_2FA must be 'required' or 'optional'.")
# Minutes without a request after which a staff session is logged out (0 = never).
STAFF_IDLE_TIMEOUT_MINUTES = int(os.environ.get("JEMBATAN_STAFF_IDLE_MINUTES", "30"))
OTP_TOTP_ISSUER = "Jembatan"
STAFF_SECURITY_MIDDLEWARE = [
    "django_otp.middleware.OTPMiddleware",
    "matchmaking.security.PrivateNoStoreMiddleware",
    "matchmaking.security.StaffIdleTimeoutMiddleware",
    "matchmaking.security.StaffTwoFactorMiddleware",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "matchmaking.middleware.ChosenLanguageMiddleware",
    "common.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The audit trail (django-simple-history) records the signed-in user as the actor.
    "simple_history.middleware.HistoryRequestMiddleware",
    *STAFF_SECURITY_MIDDLEWARE,
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its page
]

if not LOCAL:
    # In production WhiteNoise serves the collected static files; runserver does locally.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "matchmaking.urls"

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
                "partners.context_processors.notifications",
            ],
        },
    },
]

WSGI_APPLICATION = "matchmaking.wsgi.application"

# --- Database -----------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/jembatan; default: SQLite file.
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "jembatan.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# The web process (matchmaking/wsgi.py sets JEMBATAN_PROCESS=web) is held to a short
# statement timeout, so no page waits on a runaway query; the worker, beat and management
# commands (a full rescore writes in large batches, migrations) to a long one.
WEB_PROCESS = os.environ.get("JEMBATAN_PROCESS", "") == "web"
DB_STATEMENT_TIMEOUT_MS = (
    int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "10000"))
    if WEB_PROCESS
    else int(os.environ.get("DB_WORKER_STATEMENT_TIMEOUT_MS", "600000"))
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A refused or hung server fails fast instead of holding the request (seconds).
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "2")),
        # JIT compiles for ~100 ms on short transactional queries it misjudges as costly
        "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c jit=off",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web process read while the in-process worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication (passwords, lockout; docs/adr/0010-authentication.md) ----------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "common.auth.LockoutBackend",  # django-axes: refuses a locked-out username or address
    "django.contrib.auth.backends.ModelBackend",
]
# Lock a username and, separately, an address after this many failures in a row; the
# lock lasts the cool-off, restarted by every attempt made while locked. Attempts are kept
# in the database (shared by all workers, survives restarts, needs no Redis).
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = int(os.environ.get("JEMBATAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("JEMBATAN_LOGIN_COOLOFF_MINUTES", "15")))
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partners.views.accounts.locked_out"
# Proxies we run in front of the site (0: none, the client is REMOTE_ADDR): only then is
# X-Forwarded-For read, and only its entries those proxies appended.
TRUSTED_PROXY_COUNT = int(os.environ.get("JEMBATAN_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "common.auth.client_ip"
AXES_CLIENT_STR_CALLABLE = "common.auth.axes_client_str"  # pseudonyms in axes' log lines
AXES_DISABLE_ACCESS_LOG = True  # no table of every login with its address
AXES_VERBOSE = False  # our own events (partners/auth_events.py) log without personal data
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after_login"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or LOCAL
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded documents live outside the web root and are served through views that check
# permissions, never by the static file server.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Largest accepted upload (certificates, drawings), in bytes.
UPLOAD_MAX_BYTES = int(os.environ.get("JEMBATAN_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
# Request body limits. A whole request (a form with several documents) above
# REQUEST_MAX_BYTES is refused with 413 before its body is read (common.middleware); by
# default four full-size documents plus 1 MiB of form fields. The non-file part of a form
# is capped by DATA_UPLOAD_MAX_MEMORY_SIZE (Django answers 400 above it).
REQUEST_MAX_BYTES = int(
    os.environ.get("JEMBATAN_REQUEST_MAX_BYTES", str(4 * UPLOAD_MAX_BYTES + 1024 * 1024))
)
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", str(2_621_440)))
DATA_UPLOAD_MAX_NUMBER_FILES = 25

# --- Celery -------------------------------------------------------------------------
# Unset CELERY_BROKER_URL = embedded mode: tasks run in-process (eager).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Nothing waits long on a refused or hung broker: a request publishes once (the outbox keeps
# the call for the beat's sweep when that fails) with these connect and socket timeouts.
BROKER_TIMEOUT_SECONDS = float(os.environ.get("JEMBATAN_BROKER_TIMEOUT", "2"))
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
    "socket_timeout": BROKER_TIMEOUT_SECONDS,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
# A full rescore's fan-out and its shards go to a queue of their own, so machines added for
# national-scale rescores can run `celery -A matchmaking worker -Q scoring` only; the
# workers of the deployment consume both (`-Q scoring,celery`). Everything else (one
# supplier's or demand's rescore, e-mail, the beat's tasks) stays on the default `celery`.
SCORING_QUEUE = "scoring"
CELERY_TASK_ROUTES = {
    "matchmaking.tasks.full_rescore_task": {"queue": SCORING_QUEUE},
    "matchmaking.tasks.score_shard_task": {"queue": SCORING_QUEUE},
}
CELERY_BEAT_SCHEDULE = {
    "nightly-full-rescore": {
        "task": "matchmaking.tasks.nightly_full_rescore",
        "schedule": crontab(hour=2, minute=0),
    },
    "resume-stalled-rescores": {
        "task": "matchmaking.tasks.resume_stalled_runs",
        "schedule": 60.0,
    },
    "outbox-sweep": {
        "task": "common.outbox.sweep",
        "schedule": 60.0,
    },
    "certificate-expiry-reminders": {
        "task": "matchmaking.tasks.certificate_expiry_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    "partnership-reminders": {
        "task": "matchmaking.tasks.partnership_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
}
# A full rescore fans out one task per shard: the open demands of one component category,
# a large category cut into even chunks of at most this many demands (ADR 0018). A shard is
# the unit of progress, of resume and of spreading over workers.
RESCORE_SHARD_SIZE = int(os.environ.get("JEMBATAN_RESCORE_SHARD", "250"))

# --- Staff workspace --------------------------------------------------------------
# A partnership that has not changed stage for this many days is listed under
# "attention" and its officer gets a reminder (daily beat task).
PARTNERSHIP_STALE_DAYS = int(os.environ.get("JEMBATAN_PARTNERSHIP_STALE_DAYS", "30"))
# Map tiles for the supplier map: an XYZ template such as
# https://tile.openstreetmap.org/{z}/{x}/{y}.png, or an intranet tile server. Empty: the
# map shows markers and region outlines on a blank background (offline machines).
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "")
# Rows per page on the workspace's list pages.
WORKSPACE_PAGE_SIZE = int(os.environ.get("JEMBATAN_PAGE_SIZE", "50"))

# --- E-mail -------------------------------------------------------------------------
# SMTP (EMAIL_HOST etc.); the console backend (printed to the log) in local development only.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if LOCAL and not os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# Seconds the worker waits on the mail server (mail is never sent inside a request).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Production refuses to start with the console backend (it would print password-reset
# links to the log) unless this is set (check common.E001).
ALLOW_CONSOLE_EMAIL = env_bool("JEMBATAN_ALLOW_CONSOLE_EMAIL")
# Absolute address of the site, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Jembatan <noreply@jembatan.local>")

# --- Shared cache and the API ---------------------------------------------------------
# CACHE_URL (e.g. redis://127.0.0.1:6379/1): Redis is the cache every gunicorn worker
# shares, so the API throttle (and anything else counted in the cache) counts once per
# site, not once per worker. Unset: each process's local memory (development, tests).
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHE_TIMEOUT_SECONDS = float(os.environ.get("CACHE_TIMEOUT_SECONDS", "2"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "jembatan",
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# No HTTP Basic: the browser uses its session (with CSRF), other systems a token that a
# superuser issues and revokes in the admin (Auth Token › Tokens), sent as
# "Authorization: Token <key>". Rates are "<n>/<second|minute|hour|day>".
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "matchmaking.workspace.api.throttling.AnonThrottle",
        "matchmaking.workspace.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "30/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "600/minute"),
    },
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
if not DEBUG:
    # The browsable API's pages carry inline styles the Content-Security-Policy refuses:
    # outside local development the API answers JSON only.
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] = ["rest_framework.renderers.JSONRenderer"]

# --- Security (production) ----------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not LOCAL)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not LOCAL)
# HTTPS: secure by default outside local (manage.py check --deploy passes), each switch
# configurable for a TLS-terminating proxy. SECURE_PROXY_SSL_HEADER names the header the
# proxy sets ("X-Forwarded-Proto"); only set it when the proxy overwrites that header,
# otherwise a client could claim HTTPS. /healthz is exempt from the redirect (probes).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not LOCAL)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if LOCAL else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not LOCAL)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not LOCAL)
_PROXY_SSL_HEADER = os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"


# Content-Security-Policy (django-csp): scripts, styles and everything else from this
# origin only; no inline script or style, no eval. Images also from data: (Bootstrap's
# icons) and the map tile server. Templates keep their scripts and styles in static/.
def content_security_policy(map_tile_url: str) -> dict[str, dict[str, list[str]]]:
    from urllib.parse import urlsplit

    tiles = urlsplit(map_tile_url.replace("{s}", "*")) if map_tile_url else None
    tile_origin = [f"{tiles.scheme}://{tiles.netloc}"] if tiles and tiles.netloc else []
    return {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:", *tile_origin],
            "connect-src": ["'self'"],
            "font-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "frame-ancestors": ["'none'"],
            "form-action": ["'self'"],
        }
    }


CONTENT_SECURITY_POLICY = content_security_policy(MAP_TILE_URL)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

AUTH_USER_MODEL = "partners.User"
