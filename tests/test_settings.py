"""Settings come from the environment; production refuses to start without a secret key.

Each case runs a fresh interpreter with a clean environment, because settings are read
once per process.
"""

from __future__ import annotations

import subprocess
import sys

from django.conf import settings

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.ALLOWED_HOSTS, s.CELERY_TASK_ALWAYS_EAGER)"
)


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "matchmaking.settings"}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=settings.BASE_DIR,
        env=clean_env | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_secret_key_refuses_to_start():
    result = run_settings(JEMBATAN_ENV="production")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr


def test_unset_environment_means_production():
    result = run_settings()

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_and_no_host_is_allowed_by_default_outside_local():
    result = run_settings(SECRET_KEY="a-real-secret-from-the-environment")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split(maxsplit=1)[0] == "False"
    assert "[]" in result.stdout


def test_local_mode_turns_debug_on_with_the_embedded_defaults():
    result = run_settings(JEMBATAN_ENV="local")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['127.0.0.1', 'localhost'] True"


def test_a_broker_url_switches_celery_out_of_eager_mode():
    result = run_settings(JEMBATAN_ENV="local", CELERY_BROKER_URL="redis://127.0.0.1:6379/0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("False")
