"""Full rescore runs: recorded, then processed in batches with their progress stored, so a
killed worker resumes where the last batch ended. Enqueues nothing (``scheduling`` does)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from partners.choices import DemandStatus
from partners.models import Demand

from ..choices import ScoringRunKind, ScoringRunStatus
from ..models import MatchingPolicy, ScoringRun
from ..scoring.config import ALGORITHM_VERSION
from .loading import load_demand_specs
from .policies import policy_active
from .rescoring import Context, rescore_specs, withdraw_suggestions

UNFINISHED = (ScoringRunStatus.PENDING, ScoringRunStatus.RUNNING)


def full_run_unfinished() -> ScoringRun | None:
    """The newest full rescore still pending or running, if any."""
    return (
        ScoringRun.objects.filter(kind=ScoringRunKind.FULL, status__in=UNFINISHED)
        .select_related("policy", "triggered_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def full_rescore_record(
    *, policy: MatchingPolicy | None = None, triggered_by=None, reason: str = ""
) -> ScoringRun:
    """Record a pending full rescore of every open demand under ``policy`` (the active one by
    default); ``scheduling.full_rescore_start`` enqueues it, ``full_rescore_in_process`` runs it."""
    return ScoringRun.objects.create(
        kind=ScoringRunKind.FULL,
        policy=policy or policy_active(),
        algorithm_version=ALGORITHM_VERSION,
        total=Demand.objects.filter(status=DemandStatus.OPEN).count(),
        reason=reason[:200],
        triggered_by=triggered_by,
    )


def full_rescore_in_process(*, triggered_by=None, reason: str = "") -> ScoringRun:
    """Record a full rescore and process it here and now, without a worker (the management
    commands that need the scores before they go on, like ``load_demo``)."""
    run = full_rescore_record(triggered_by=triggered_by, reason=reason)
    return full_rescore_run(run_id=run.pk) or run


def full_rescore_run(
    *, run_id: int, batch_size: int | None = None, max_batches: int | None = None
) -> ScoringRun | None:
    """Process a full rescore from its cursor in batches of demands, each batch committed
    with its progress; a rerun after a crash resumes where the last batch ended.

    Each batch locks the run, so a second worker on the same run (a redelivered or resumed
    task) waits and then skips what is done. Candidates are loaded per batch, so a supplier
    edited during a long run is not scored from a stale snapshot. A run whose policy has
    been superseded stops: the new policy's run rescores everything.

    ``max_batches`` stops early (used to simulate a killed worker)."""
    run = ScoringRun.objects.filter(pk=run_id).select_related("policy").first()
    if run is None or run.status in (ScoringRunStatus.DONE, ScoringRunStatus.FAILED):
        return run
    if run.status == ScoringRunStatus.PENDING:
        run.status = ScoringRunStatus.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at", "updated_at"])
    else:  # a resumed run: its heartbeat, so the beat does not resume it once more
        ScoringRun.objects.filter(pk=run.pk).update(updated_at=timezone.now())
    batch_size = batch_size or settings.RESCORE_BATCH_SIZE
    ctx = Context.load(run.policy)
    # Demands go category by category, so a batch loads the candidates of one (or two)
    # categories only; the cursor is the (category, demand id) position reached.
    todo = list(
        Demand.objects.filter(status=DemandStatus.OPEN)
        .filter(
            Q(component_type__category_id__gt=run.cursor_category)
            | Q(component_type__category_id=run.cursor_category, pk__gt=run.cursor)
        )
        .order_by("component_type__category_id", "pk")
        .values_list("component_type__category_id", "pk")
    )
    for batches, start in enumerate(range(0, len(todo), batch_size)):
        if max_batches is not None and batches >= max_batches:
            return run
        batch = todo[start : start + batch_size]
        with transaction.atomic():
            relax_durability()
            locked = ScoringRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != ScoringRunStatus.RUNNING:
                return locked
            if not MatchingPolicy.objects.filter(pk=run.policy_id, is_active=True).exists():
                _fail(locked, f"superseded: policy v{run.policy.version} is no longer active")
                return locked
            if (locked.cursor_category, locked.cursor) >= batch[-1]:
                continue
            still_open = Demand.objects.filter(
                pk__in=[pk for _, pk in batch], status=DemandStatus.OPEN
            )
            still_open_ids = list(still_open.values_list("pk", flat=True))
            specs = load_demand_specs(still_open_ids)
            rescore_specs(specs, ctx)
            withdraw_suggestions(set(still_open_ids) - {spec.demand_id for spec in specs})
            ScoringRun.objects.filter(pk=run.pk).update(
                cursor_category=batch[-1][0],
                cursor=batch[-1][1],
                done=F("done") + len(specs),
                total=Greatest(F("total"), F("done") + len(specs)),
                updated_at=timezone.now(),
            )
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().select_related("policy").get(pk=run.pk)
        if run.status == ScoringRunStatus.RUNNING:
            run.status = ScoringRunStatus.DONE
            run.finished_at = timezone.now()
            run.total = run.done
            run.save(update_fields=["status", "finished_at", "done", "total", "updated_at"])
    return run


def relax_durability() -> None:
    """Commit this transaction without waiting for the WAL flush (PostgreSQL).

    Scores are derived data: if the server crashed right after a batch committed, the run's
    cursor would be lost along with the rows, and the batch is simply scored again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _fail(run: ScoringRun, error: str) -> None:
    run.errors = [*run.errors, error[:2000]]
    run.status = ScoringRunStatus.FAILED
    run.finished_at = timezone.now()
    run.save(update_fields=["errors", "status", "finished_at", "updated_at"])


def full_rescore_fail(*, run_id: int, error: str) -> None:
    """Record that a full rescore stopped on an error (a finished run stays finished)."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().filter(pk=run_id).first()
        if run is not None and run.status in (ScoringRunStatus.PENDING, ScoringRunStatus.RUNNING):
            _fail(run, error)
