"""Django settings for Jembatan.

Everything that differs between a laptop, CI and production comes from environment
variables. The defaults are the *embedded* mode: a SQLite file and Celery tasks run
in-process, so ``make run`` needs no server. Production must set ``SECRET_KEY`` and
leave ``DEBUG`` off; ``JEMBATAN_ENV=local`` (set by ``make run``) is the only path that
turns debug on and accepts the built-in development key.
"""

from __future__ import annotations

import os
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
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_htmx",
    "common",
    "components",
    "partners",
    "matchmaking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "matchmaking.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A refused or hung server fails fast instead of holding the request (seconds).
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": int(os.environ.get("DB_CONNECT_TIMEOUT", "2")),
        "options": "-c statement_timeout={}".format(
            int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "30000"))
        ),
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
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
# Demands per committed batch of a full rescore (progress and resume granularity).
RESCORE_BATCH_SIZE = int(os.environ.get("JEMBATAN_RESCORE_BATCH", "250"))

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

# --- REST framework -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}

# --- Security (production) ----------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not LOCAL)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not LOCAL)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

AUTH_USER_MODEL = "partners.User"
