"""``/healthz``: is the database reachable, and the Celery broker when one is configured?

Load balancers and ``docker compose`` poll this endpoint. It answers 200 when every check
passes and 503 otherwise, with a JSON body saying which part failed. Error details stay in
the log; the response names only the exception class, so it never leaks hosts or passwords.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0
#: /healthz answers within this many seconds, whatever hangs.
CHECK_TIMEOUT_SECONDS = 2.5


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_database(connection: BaseDatabaseWrapper | None = None) -> dict[str, Any]:
    """Run ``SELECT 1`` on ``connection`` (default: the default database)."""
    connection = connection or connections["default"]
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        logger.warning("Health check: database %r unreachable", connection.alias, exc_info=True)
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor, "latency_ms": _elapsed_ms(started)}


def check_broker() -> dict[str, Any]:
    """Connect to the Celery broker; in embedded (eager) mode there is none to reach."""
    if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL:
        return {"ok": True, "mode": "eager"}
    started = time.perf_counter()
    try:
        with Connection(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
            },
        ) as broker:
            # kombu compares the timeout with elapsed seconds (a float); its stubs say int
            broker.ensure_connection(
                max_retries=1,
                interval_start=0,
                timeout=BROKER_TIMEOUT_SECONDS,  # type: ignore[arg-type]
            )
    except Exception as exc:  # any transport error means "down"; a health check must not 500
        logger.warning("Health check: broker unreachable", exc_info=True)
        return {"ok": False, "mode": "redis", "error": type(exc).__name__}
    return {"ok": True, "mode": "redis", "latency_ms": _elapsed_ms(started)}


def _bounded(check: Callable[[], dict[str, Any]], pool: ThreadPoolExecutor) -> Future:
    def run() -> dict[str, Any]:
        try:
            return check()
        finally:
            connections.close_all()  # this thread's own connections

    return pool.submit(run)


def run_checks(timeout: float = CHECK_TIMEOUT_SECONDS) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both checks at once, each in its own thread, and answered within ``timeout``
    seconds whatever happens: a hung database or broker counts as down ("Timeout")."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")
    futures = (_bounded(check_database, pool), _bounded(check_broker, pool))
    deadline = time.monotonic() + timeout
    results = []
    for future in futures:
        try:
            results.append(future.result(timeout=max(0.0, deadline - time.monotonic())))
        except FutureTimeout:
            logger.warning("Health check: no answer within %.1f s", timeout)
            results.append({"ok": False, "error": "Timeout"})
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check ends on its own timeouts
    return results[0], results[1]


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database, broker = run_checks()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )
