"""The services that enqueue rescoring work, always through the outbox (``common.outbox``:
stored with the write, published after commit or by the beat's sweep): full
rescores started, requested (one at a time) and resumed, and the receivers that turn partner
changes into rescores. The tasks they enqueue (``engine.tasks``) call ``rescoring`` and
``runs``, never this module."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from common.outbox import enqueue

from ..choices import ScoringRunKind
from ..models import MatchingPolicy, ScoringRun
from .runs import UNFINISHED, full_rescore_record, full_run_unfinished
from .tasks import full_rescore_task, rescore_demand_task, rescore_supplier_task


def full_rescore_start(
    *, policy: MatchingPolicy | None = None, triggered_by=None, reason: str = ""
) -> ScoringRun:
    """Record a full rescore of every open demand with its shards and enqueue its fan-out
    (``full_rescore_task``, which publishes one task per shard) once this commits."""
    run = full_rescore_record(policy=policy, triggered_by=triggered_by, reason=reason)
    enqueue(full_rescore_task.name, run.pk)
    return run


class RescoreAlreadyRunning(Exception):
    """A full rescore is already pending or running (``run``); start none on top of it."""

    def __init__(self, run: ScoringRun) -> None:
        super().__init__(run.pk)
        self.run = run


def full_rescore_request(*, triggered_by=None, reason: str = "") -> ScoringRun:
    """Start a full rescore unless one is pending or running (``RescoreAlreadyRunning``).

    The policy in force is locked while checking, so two officers pressing the button (or
    the button and the nightly beat) at once start one run; ``policy_publish`` takes the
    same lock. Publishing a policy still starts its own run, on the new weights."""
    with transaction.atomic():
        list(MatchingPolicy.objects.select_for_update().filter(is_active=True).values("pk"))
        running = full_run_unfinished()
        if running is not None:
            raise RescoreAlreadyRunning(running)
        return full_rescore_start(triggered_by=triggered_by, reason=reason)


#: A full run whose heartbeat (``updated_at``, touched when its fan-out starts and by every
#: committed shard) is older than this is taken for dead and resumed (beat: every minute).
STALLED_AFTER_SECONDS = 90


def run_stalled(run: ScoringRun, *, now=None) -> bool:
    """Whether an unfinished full run has had no heartbeat for ``STALLED_AFTER_SECONDS``."""
    now = now or timezone.now()
    return run.status in UNFINISHED and run.updated_at < now - timedelta(
        seconds=STALLED_AFTER_SECONDS
    )


def resume_stalled_runs(*, older_than_seconds: int = STALLED_AFTER_SECONDS) -> list[int]:
    """Re-enqueue full rescores whose worker died, or whose tasks never reached a worker (no
    heartbeat for ``older_than_seconds``): their fan-out publishes the shards not done."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    with transaction.atomic():
        stalled = list(
            ScoringRun.objects.select_for_update(skip_locked=True)
            .filter(kind=ScoringRunKind.FULL, status__in=UNFINISHED, updated_at__lt=cutoff)
            .values_list("pk", flat=True)
        )
        for run_id in stalled:
            ScoringRun.objects.filter(pk=run_id).update(updated_at=timezone.now())
            enqueue(full_rescore_task.name, run_id)
    return stalled


# --- receivers of partner events ------------------------------------------------------------


def on_supplier_changed(*, supplier_id: int) -> None:
    enqueue(rescore_supplier_task.name, supplier_id)


def on_demand_changed(*, demand_id: int) -> None:
    enqueue(rescore_demand_task.name, demand_id)
