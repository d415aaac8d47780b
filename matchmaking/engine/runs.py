"""Full rescore runs: recorded with their shards (the open demands of one component
category, a large category cut into even chunks), each shard scored by its own task on any
worker and committed with the run's progress, so a killed worker costs its shard only and
the pending shards are resumed. Enqueues nothing (``scheduling`` and the fan-out task do)."""

from __future__ import annotations

import itertools
import logging
import math
import time
from operator import itemgetter

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from partners.choices import DemandStatus
from partners.models import Demand

from ..choices import ScoringRunKind, ScoringRunStatus
from ..models import MatchingPolicy, ScoringRun, ScoringRunShard
from ..scoring.config import ALGORITHM_VERSION
from .loading import load_demand_specs
from .policies import policy_active
from .rescoring import Context, rescore_specs, withdraw_suggestions

UNFINISHED = (ScoringRunStatus.PENDING, ScoringRunStatus.RUNNING)

logger = logging.getLogger(__name__)


def full_run_unfinished() -> ScoringRun | None:
    """The newest full rescore still pending or running, if any."""
    return (
        ScoringRun.objects.filter(kind=ScoringRunKind.FULL, status__in=UNFINISHED)
        .select_related("policy", "triggered_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def full_rescore_record(
    *,
    policy: MatchingPolicy | None = None,
    triggered_by=None,
    reason: str = "",
    shard_size: int | None = None,
) -> ScoringRun:
    """Record a pending full rescore of every open demand under ``policy`` (the active one by
    default) with its shards; ``scheduling.full_rescore_start`` enqueues it,
    ``full_rescore_in_process`` runs it."""
    with transaction.atomic():
        run = ScoringRun.objects.create(
            kind=ScoringRunKind.FULL,
            policy=policy or policy_active(),
            algorithm_version=ALGORITHM_VERSION,
            reason=reason[:200],
            triggered_by=triggered_by,
        )
        run.total = shards_plan(run, shard_size=shard_size)
        run.save(update_fields=["total", "updated_at"])
    return run


def shard_bounds(ids: list[int], shard_size: int) -> list[list[int]]:
    """The sorted demand ids of one category cut into the fewest chunks of at most
    ``shard_size``, as even as can be (9 by 4 gives 3, 3, 3, not 4, 4, 1)."""
    chunks = math.ceil(len(ids) / shard_size)
    step = math.ceil(len(ids) / chunks) if chunks else 1
    return [ids[i : i + step] for i in range(0, len(ids), step)]


def shards_plan(run: ScoringRun, *, shard_size: int | None = None) -> int:
    """Store the shards of ``run``: its open demands category by category (beyond the
    cursor of a run recorded before shards existed), each category cut by demand id into
    chunks of at most ``shard_size``. Returns how many demands they hold."""
    shard_size = max(1, shard_size or settings.RESCORE_SHARD_SIZE)
    rows = (
        Demand.objects.filter(status=DemandStatus.OPEN)
        .filter(
            Q(component_type__category_id__gt=run.cursor_category)
            | Q(component_type__category_id=run.cursor_category, pk__gt=run.cursor)
        )
        .order_by("component_type__category_id", "pk")
        .values_list("component_type__category_id", "pk")
    )
    shards: list[ScoringRunShard] = []
    for category_id, group in itertools.groupby(rows.iterator(), key=itemgetter(0)):
        for ids in shard_bounds([pk for _, pk in group], shard_size):
            shards.append(
                ScoringRunShard(
                    run=run,
                    index=len(shards),
                    category_id=category_id,
                    first_demand_id=ids[0],
                    last_demand_id=ids[-1],
                    size=len(ids),
                )
            )
    ScoringRunShard.objects.bulk_create(shards, batch_size=1000)
    return sum(s.size for s in shards)


def full_rescore_in_process(*, triggered_by=None, reason: str = "") -> ScoringRun:
    """Record a full rescore and process it here and now, without a worker (the management
    commands that need the scores before they go on, like ``load_demo``)."""
    run = full_rescore_record(triggered_by=triggered_by, reason=reason)
    return full_rescore_run(run_id=run.pk) or run


def full_rescore_begin(*, run_id: int) -> list[int]:
    """Mark the run running (a resumed one: its heartbeat, so the beat does not resume it
    once more) and return its shards still to score, largest first (so N workers finish
    close together). A finished or missing run has none."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in UNFINISHED:
            return []
        if run.status == ScoringRunStatus.PENDING:
            run.status = ScoringRunStatus.RUNNING
            run.started_at = timezone.now()
        if not run.shards.exists():  # recorded before shards existed
            run.total = max(run.total, run.done + shards_plan(run))
        run.save(update_fields=["status", "started_at", "total", "updated_at"])
    return list(
        ScoringRunShard.objects.filter(run_id=run_id, finished_at__isnull=True)
        .order_by("-size", "index")
        .values_list("pk", flat=True)
    )


def shard_score(*, run_id: int, shard_id: int, ctx: Context | None = None) -> bool:
    """Score one shard of a running run and commit its rows with the shard marked done and
    the run's progress (its heartbeat); then finish the run if it was the last shard.

    The shard is locked while it is scored: a second task on it (redelivered, or published
    again by a resume) skips it, as it skips a shard already done, so a shard is scored at
    most once per run and a rerun of a run leaves the same rows. Candidates are loaded per
    shard, so a supplier edited during a long run is not scored from a stale snapshot. A
    run whose policy has been superseded stops: the new policy's run rescores everything.
    Returns whether this call scored the shard."""
    started = time.perf_counter()
    with transaction.atomic():
        relax_durability()
        shard = (
            # the shard row only (no join, no ordering), so shards lock one another never
            ScoringRunShard.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=shard_id, run_id=run_id, finished_at__isnull=True)
            .order_by()
            .first()
        )
        if shard is None:
            logger.info(
                "run %s shard %s: done, or being scored by another worker", run_id, shard_id
            )
            return False
        run = ScoringRun.objects.select_related("policy").filter(pk=run_id).first()
        if run is None or run.status != ScoringRunStatus.RUNNING:
            logger.info("run %s shard %s: the run is not running", run_id, shard_id)
            return False
        if not MatchingPolicy.objects.filter(pk=run.policy_id, is_active=True).exists():
            _fail(
                ScoringRun.objects.select_for_update().get(pk=run_id),
                f"superseded: policy v{run.policy.version} is no longer active",
            )
            return False
        ctx = (
            ctx if ctx is not None and ctx.policy.pk == run.policy_id else Context.load(run.policy)
        )
        still_open_ids = list(
            Demand.objects.filter(
                status=DemandStatus.OPEN,
                component_type__category_id=shard.category_id,
                pk__gte=shard.first_demand_id,
                pk__lte=shard.last_demand_id,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        specs = load_demand_specs(still_open_ids)
        rescore_specs(specs, ctx)
        withdraw_suggestions(set(still_open_ids) - {spec.demand_id for spec in specs})
        now = timezone.now()
        ScoringRunShard.objects.filter(pk=shard.pk).update(
            scored=len(specs), seconds=time.perf_counter() - started, finished_at=now
        )
        ScoringRun.objects.filter(pk=run_id).update(
            done=F("done") + len(specs),
            total=Greatest(F("total"), F("done") + len(specs)),
            updated_at=now,
        )
    full_rescore_finish(run_id=run_id)
    return True


def full_rescore_finish(*, run_id: int) -> ScoringRun | None:
    """Mark a running run done once none of its shards is left (idempotent: the last shard
    to commit, or a resume finding every shard done, finishes it)."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != ScoringRunStatus.RUNNING:
            return run
        if ScoringRunShard.objects.filter(run_id=run_id, finished_at__isnull=True).exists():
            return run
        run.status = ScoringRunStatus.DONE
        run.finished_at = timezone.now()
        run.total = run.done
        run.save(update_fields=["status", "finished_at", "done", "total", "updated_at"])
    statistics_refresh()
    return run


def statistics_refresh() -> None:
    """Refresh PostgreSQL's planner statistics of the match table once a run is done.

    After a first full run the planner still thinks the table is empty until autovacuum gets
    to it, and the queries of supplier edits take ten times longer meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE matchmaking_match")


def full_rescore_run(*, run_id: int, max_shards: int | None = None) -> ScoringRun | None:
    """Process a full rescore here, shard after shard (embedded mode, management commands,
    tests): the same shards and the same end as the fan-out over workers.

    ``max_shards`` stops early (used to simulate a killed worker)."""
    if not ScoringRun.objects.filter(pk=run_id).exists():
        return None
    pending = full_rescore_begin(run_id=run_id)
    ctx: Context | None = None
    for count, shard_id in enumerate(pending):
        if max_shards is not None and count >= max_shards:
            break
        if ctx is None:
            run = ScoringRun.objects.select_related("policy").get(pk=run_id)
            ctx = Context.load(run.policy)
        shard_score(run_id=run_id, shard_id=shard_id, ctx=ctx)
    else:
        full_rescore_finish(run_id=run_id)
    return ScoringRun.objects.select_related("policy").get(pk=run_id)


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
