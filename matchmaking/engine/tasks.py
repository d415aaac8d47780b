"""The rescoring tasks: thin, idempotent, take ids, and exit quietly when the object is gone.

They call ``rescoring`` and ``runs`` (which enqueue nothing); ``scheduling`` enqueues them.
Their Celery names stay those of their first home, ``matchmaking.tasks``, so queued tasks
keep working."""

from __future__ import annotations

from typing import TypedDict

from celery import group, shared_task
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
    """The fan-out of a full rescore (enqueued through the outbox by ``scheduling``, on the
    ``scoring`` queue): start the run and publish a Celery group of one ``score_shard_task``
    per shard still to score, which any worker on the queue takes. A resume sends this task
    again and so publishes the pending shards only. Eager (embedded mode) the group runs
    here, shard after shard."""
    try:
        pending = runs.full_rescore_begin(run_id=run_id)
        if not pending:
            runs.full_rescore_finish(run_id=run_id)
            return
    except TRANSIENT:
        raise  # retried with backoff
    except Exception as exc:
        runs.full_rescore_fail(run_id=run_id, error=repr(exc))
        raise
    # A publish that fails leaves the run without heartbeat: the beat resumes it (ADR 0018).
    group(score_shard_task.si(run_id, shard_id) for shard_id in pending).apply_async()


@shared_task(name="matchmaking.tasks.score_shard_task", **RETRY)
def score_shard_task(run_id: int, shard_id: int) -> None:
    """Score one shard of a full rescore (idempotent: a shard done, or being scored by
    another worker, is skipped); the last shard finishes the run."""
    try:
        runs.shard_score(run_id=run_id, shard_id=shard_id)
    except TRANSIENT:
        raise  # retried with backoff; the shard is still pending
    except Exception as exc:
        runs.full_rescore_fail(run_id=run_id, error=repr(exc))
        raise
