"""The services plugin skips tests whose service is missing, and fails them on demand."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.services import e2e_missing, redis_missing

REPO = Path(__file__).resolve().parents[2]

SAMPLE = """
import pytest

@pytest.mark.postgres
def test_needs_postgres():
    pass

@pytest.mark.redis
def test_needs_redis():
    pass

def test_plain():
    pass
"""


def run_sample(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run SAMPLE in a fresh pytest on SQLite without a broker, plus ``env``."""
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    clean_env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "JEMBATAN_REQUIRE_SERVICES"}
    }
    clean_env |= {
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "matchmaking.settings_test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.plugins.services",
            "-p",
            "no:cacheprovider",
            "-rsf",
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_sample.py"),
        ],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_services_skip_with_a_reason(tmp_path):
    result = run_sample(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped in" in result.stdout
    assert "[postgres] needs PostgreSQL (set DATABASE_URL=postgres://...)" in result.stdout
    assert "[redis] needs Redis (set CELERY_BROKER_URL=redis://...)" in result.stdout


def test_required_services_turn_skips_into_failures(tmp_path):
    result = run_sample(tmp_path, JEMBATAN_REQUIRE_SERVICES="1")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 2 errors in" in result.stdout
    assert "JEMBATAN_REQUIRE_SERVICES=1 but this postgres test was skipped" in result.stdout
    assert "JEMBATAN_REQUIRE_SERVICES=1 but this redis test was skipped" in result.stdout


def test_redis_check_says_what_to_set(settings):
    settings.CELERY_BROKER_URL = ""
    assert redis_missing() == "needs Redis (set CELERY_BROKER_URL=redis://...)"

    settings.CELERY_BROKER_URL = "amqp://guest@127.0.0.1//"
    assert redis_missing() == "needs a Redis broker; CELERY_BROKER_URL uses amqp"

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    assert redis_missing().startswith("needs Redis at CELERY_BROKER_URL, which does not answer")


@pytest.mark.e2e
def test_e2e_marker_runs_when_chromium_and_playwright_are_installed():
    assert e2e_missing() is None


@pytest.mark.redis
def test_redis_marker_runs_when_redis_answers(settings):
    assert redis_missing() is None
    assert settings.CELERY_BROKER_URL.startswith("redis")
