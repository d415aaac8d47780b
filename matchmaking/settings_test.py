"""Settings for the test suite: the local defaults plus faster hashing.

``DATABASE_URL`` and ``CELERY_BROKER_URL`` still choose SQLite or PostgreSQL and eager or
real tasks, so the same suite runs in both modes.
"""

import os

os.environ.setdefault("JEMBATAN_ENV", "test")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tasks run in-process in tests, whatever the broker: the worker integration tests start
# a real worker and switch the Celery app to the broker for their own duration.
CELERY_TASK_ALWAYS_EAGER = True
