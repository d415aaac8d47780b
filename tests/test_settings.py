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


CLEAN_ENV = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "matchmaking.settings"}


def run_python(*args: str, timeout: int = 60, **env: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter in the project, with a clean environment plus ``env``."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=CLEAN_ENV | env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_settings(**env: str) -> subprocess.CompletedProcess[str]:
    return run_python("-c", PRINT_SETTINGS, **env)


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


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_python("manage.py", *args, timeout=120, **env)


PRODUCTION = {
    "JEMBATAN_ENV": "production",
    # A long random-looking key, as an operator would generate (security.W009 otherwise).
    "SECRET_KEY": "v8Jq2Lw0-Xr7Tn4Yk1Pz9Hs6Bd3Gm5Cf0Ua8Re2Wi7Oy4Nl1Qx6Jt9Sv3Ke5Zb0Mh",
    "ALLOWED_HOSTS": "jembatan.example.go.id",
}


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_sends_hsts_with_subdomains_and_preload_and_redirects_to_https():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE,"
        " s.CSRF_COOKIE_SECURE)"
    )
    result = run_python("-c", probe, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "31536000 True True True None True True"


def test_tls_terminating_proxy_settings_come_from_the_environment():
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run_python(
        "-c",
        probe,
        **PRODUCTION,
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_PRELOAD="false",
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "600 False False ('HTTP_X_FORWARDED_PROTO', 'https')"


PRINT_STATEMENT_TIMEOUT = (
    "import os, django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['OPTIONS']['options'])"
)
PRINT_WSGI_STATEMENT_TIMEOUT = (
    "import matchmaking.wsgi; from django.conf import settings as s; "
    "print(s.DATABASES['default']['OPTIONS']['options'])"
)


def settings_line(code: str, **env: str) -> str:
    """The last line ``code`` prints, run locally with a PostgreSQL URL (never connected)."""
    local = {
        "JEMBATAN_ENV": "local",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/jembatan_never_connected",
    }
    result = run_python("-c", code, **(local | env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_the_web_process_gets_a_short_statement_timeout_and_the_worker_a_long_one():
    assert settings_line(PRINT_WSGI_STATEMENT_TIMEOUT) == "-c statement_timeout=10000 -c jit=off"
    assert settings_line(PRINT_STATEMENT_TIMEOUT) == "-c statement_timeout=600000 -c jit=off"
    assert (
        settings_line(
            PRINT_WSGI_STATEMENT_TIMEOUT,
            DB_STATEMENT_TIMEOUT_MS="4000",
            DB_WORKER_STATEMENT_TIMEOUT_MS="90000",
        )
        == "-c statement_timeout=4000 -c jit=off"
    )
    assert (
        settings_line(PRINT_STATEMENT_TIMEOUT, DB_WORKER_STATEMENT_TIMEOUT_MS="90000")
        == "-c statement_timeout=90000 -c jit=off"
    )


def test_outside_local_development_the_api_answers_json_only():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.REST_FRAMEWORK.get('DEFAULT_RENDERER_CLASSES', 'default'))"
    )
    production = settings_line(code, JEMBATAN_ENV="production", SECRET_KEY="x" * 60)
    local = settings_line(code)

    assert production == "['rest_framework.renderers.JSONRenderer']"
    assert local == "default"  # the browsable API while developing
