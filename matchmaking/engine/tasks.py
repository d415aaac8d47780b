"""The rescoring tasks: thin, idempotent, take ids, and exit quietly when the object is gone.

They call ``rescoring`` and ``runs`` (which enqueue nothing); ``scheduling`` enqueues them.
Their Celery names stay those of their first home, ``matchmaking.tasks``, so queued tasks
keep working."""

from __future__ import annotations

from typing import TypedDict

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import rescoring, runs

TRANSIENT = (OperationalError, InterfaceError)


class RetryOptions(TypedDict):
    """The retry options every rescoring task passes to ``shared_task``."""

    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool
    retry_backoff_max: int
    max_retries: int
    acks_late: bool


RETRY: RetryOptions = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(name="matchmaking.tasks.rescore_supplier_task", **RETRY)
def rescore_supplier_task(supplier_id: int) -> None:
    rescoring.rescore_supplier(supplier_id=supplier_id)


@shared_task(name="matchmaking.tasks.rescore_demand_task", **RETRY)
def rescore_demand_task(demand_id: int) -> None:
    rescoring.rescore_demand(demand_id=demand_id)


@shared_task(name="matchmaking.tasks.full_rescore_task", bind=True, **RETRY)
def full_rescore_task(self, run_id: int) -> None:
    try:
        runs.full_rescore_run(run_id=run_id)
    except TRANSIENT:
        raise  # retried with backoff; the run resumes from its cursor
    except Exception as exc:
        runs.full_rescore_fail(run_id=run_id, error=repr(exc))
        raise
