"""Skip tests whose outside service is missing, and fail them when services are required.

Loaded with ``-p tests.plugins.services`` (see the Makefile), independent of any conftest.

Markers and what they need:

* ``postgres``: the default database is PostgreSQL (``DATABASE_URL=postgres://...``);
* ``redis``: ``CELERY_BROKER_URL`` is a Redis URL and that Redis answers ``PING``;
* ``e2e``: ``/usr/bin/chromium`` and the ``playwright`` package are installed.

A test whose service is missing is skipped with a reason that says what to set. With
``JEMBATAN_REQUIRE_SERVICES=1`` (CI) a skip of any test carrying one of these markers, from
this plugin or from the test itself, is reported as a failure instead, so a broken CI
environment cannot pass by skipping everything that needs it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

import pytest

REQUIRE_ENV = "JEMBATAN_REQUIRE_SERVICES"
SERVICE_MARKERS = ("postgres", "redis", "e2e")
CHROMIUM = Path("/usr/bin/chromium")


def services_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def postgres_missing() -> str | None:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" in engine:
        return None
    return f"needs PostgreSQL (set DATABASE_URL=postgres://...); the database engine is {engine}"


@functools.cache
def _redis_unreachable(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as exc:
        return f"needs Redis at CELERY_BROKER_URL, which does not answer: {exc}"
    return None


def redis_missing() -> str | None:
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url:
        return "needs Redis (set CELERY_BROKER_URL=redis://...)"
    if not url.startswith(("redis://", "rediss://")):
        return f"needs a Redis broker; CELERY_BROKER_URL uses {url.split(':', 1)[0]}"
    return _redis_unreachable(url)


def e2e_missing() -> str | None:
    if not CHROMIUM.exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "needs the playwright package (make venv)"
    return None


CHECKS = {"postgres": postgres_missing, "redis": redis_missing, "e2e": e2e_missing}


def _service_markers(item: pytest.Item) -> list[str]:
    return [name for name in SERVICE_MARKERS if item.get_closest_marker(name)]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in _service_markers(item):
        reason = CHECKS[name]()
        if reason:
            pytest.skip(f"[{name}] {reason}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    markers = _service_markers(item)
    if report.skipped and markers and services_required() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{REQUIRE_ENV}=1 but this {'/'.join(markers)} test was skipped: {reason}"
    return report


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (DATABASE_URL=postgres://...)")
    config.addinivalue_line(
        "markers", "redis: needs a Redis broker (CELERY_BROKER_URL=redis://...)"
    )
    config.addinivalue_line("markers", "e2e: browser test driving Chromium through Playwright")


def pytest_report_header(config: pytest.Config) -> str:
    mode = "skips become failures" if services_required() else "missing services skip"
    return f"jembatan services: {mode} ({REQUIRE_ENV})"
