"""The services that enqueue rescoring work, always through ``transaction.on_commit``: full
rescores started, requested (one at a time) and resumed, and the receivers that turn partner
changes into rescores. The tasks they enqueue (``engine.tasks``) call ``rescoring`` and
``runs``, never this module."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from ..choices import ScoringRunKind
from ..models import MatchingPolicy, ScoringRun
from .runs import UNFINISHED, full_rescore_record, full_run_unfinished
from .tasks import full_rescore_task, rescore_demand_task, rescore_supplier_task


def full_rescore_start(
    *, policy: MatchingPolicy | None = None, triggered_by=None, reason: str = ""
) -> ScoringRun:
    """Record a full rescore of every open demand and enqueue it once this commits."""
    run = full_rescore_record(policy=policy, triggered_by=triggered_by, reason=reason)
    transaction.on_commit(lambda: full_rescore_task.delay(run.pk))
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


def resume_stalled_runs(*, older_than_minutes: int = 10) -> list[int]:
    """Re-enqueue full rescores whose worker died (no progress for a while)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stalled = list(
        ScoringRun.objects.filter(
            kind=ScoringRunKind.FULL,
            status__in=UNFINISHED,
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    for run_id in stalled:
        ScoringRun.objects.filter(pk=run_id).update(updated_at=timezone.now())
        transaction.on_commit(partial(full_rescore_task.delay, run_id))
    return stalled


# --- receivers of partner events ------------------------------------------------------------


def on_supplier_changed(*, supplier_id: int) -> None:
    transaction.on_commit(lambda: rescore_supplier_task.delay(supplier_id))


def on_demand_changed(*, demand_id: int) -> None:
    transaction.on_commit(lambda: rescore_demand_task.delay(demand_id))
