"""common.E001: outside local development the console e-mail backend (which prints
password-reset links to the log) is refused unless explicitly allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from common.checks import CONSOLE_BACKEND, check_console_email

ROOT = Path(__file__).resolve().parents[2]


def test_production_with_the_console_backend_is_an_error(settings):
    settings.LOCAL = False
    settings.ALLOW_CONSOLE_EMAIL = False
    settings.EMAIL_BACKEND = CONSOLE_BACKEND

    assert [error.id for error in check_console_email()] == ["common.E001"]


def test_the_console_backend_passes_when_allowed_or_local(settings):
    settings.EMAIL_BACKEND = CONSOLE_BACKEND
    settings.LOCAL, settings.ALLOW_CONSOLE_EMAIL = False, True
    assert check_console_email() == []
    settings.LOCAL, settings.ALLOW_CONSOLE_EMAIL = True, False
    assert check_console_email() == []


def test_smtp_in_production_passes(settings):
    settings.LOCAL = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

    assert check_console_email() == []


def production(**env: str) -> subprocess.CompletedProcess:
    """Load the WSGI application (as gunicorn does) with production settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "JEMBATAN_"))}
    clean.update(
        JEMBATAN_ENV="production",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="matchmaking.settings",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import matchmaking.wsgi; print('SERVING')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_gunicorn_refuses_to_start_with_the_console_backend_in_production():
    refused = production(EMAIL_BACKEND=CONSOLE_BACKEND)
    assert refused.returncode != 0 and "common.E001" in refused.stderr

    allowed = production(EMAIL_BACKEND=CONSOLE_BACKEND, JEMBATAN_ALLOW_CONSOLE_EMAIL="1")
    assert allowed.returncode == 0, allowed.stderr
    assert "SERVING" in allowed.stdout


def test_the_production_default_is_smtp_not_the_console():
    default = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; import django; django.setup();"
            " print(settings.EMAIL_BACKEND)",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "JEMBATAN_"))},
            "JEMBATAN_ENV": "production",
            "SECRET_KEY": "x" * 60,
            "ALLOWED_HOSTS": "example.org",
            "DJANGO_SETTINGS_MODULE": "matchmaking.settings",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert default.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend", default.stderr
