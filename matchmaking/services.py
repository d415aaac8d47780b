"""Matching services: rescoring demands and suppliers, resumable full rescores, and the
receivers that turn partner changes into rescoring work.

Only these services enqueue tasks, always through ``transaction.on_commit``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Min, Q, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone

from partners.choices import DemandStatus
from partners.models import Demand

from .choices import (
    REVIEWED_MATCH_STATUSES,
    MatchKind,
    MatchStatus,
    ScoringRunKind,
    ScoringRunStatus,
)
from .consortia import write_consortia
from .loading import load_candidates, load_demand_specs, load_labels, load_vocabularies
from .models import ConsortiumSuggestion, Match, MatchingPolicy, ScoringRun
from .persistence import MatchRow, delete_suggestions, rerank, write_rows
from .policies import policy_active, policy_params
from .rows import ranking_rows
from .scoring.config import ALGORITHM_VERSION, Params
from .scoring.engine import Ranking, rank_demand
from .scoring.evaluation import MICRO
from .scoring.explain import Labels
from .scoring.incremental import rank_supplier
from .scoring.inputs import Candidates, DemandSpec, Vocabularies


@dataclass(frozen=True)
class Context:
    """Everything a scoring pass needs besides the rows: policy, vocabularies, labels."""

    policy: MatchingPolicy
    params: Params
    vocab: Vocabularies
    labels: Labels

    @classmethod
    def load(cls, policy: MatchingPolicy | None = None) -> Context:
        policy = policy or policy_active()
        return cls(
            policy=policy,
            params=policy_params(policy),
            vocab=load_vocabularies(),
            labels=load_labels(),
        )

    @property
    def k(self) -> int:
        return self.policy.top_k


# --- rescoring ------------------------------------------------------------------------------


def _blocks(candidates: Candidates) -> dict[int, Candidates]:
    order = np.argsort(candidates.category_id, kind="stable")
    cats, starts = np.unique(candidates.category_id[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return {
        int(cat): candidates.take(order[bounds[i] : bounds[i + 1]]) for i, cat in enumerate(cats)
    }


def rank_specs(
    specs: Sequence[DemandSpec],
    ctx: Context,
    blocks: dict[int, Candidates],
    reviewed: dict[int, set[int]],
) -> list[Ranking]:
    """Rank each demand against the candidate block of its category; the rows of its
    reviewed suppliers are kept whatever they fail, so they can be refreshed or flagged."""
    today = timezone.localdate()
    empty: Candidates | None = None
    rankings = []
    for spec in specs:
        block = blocks.get(spec.category_id)
        if block is None:
            # no candidate of this category: rank against an empty block (loaded once)
            if empty is None:
                empty = load_candidates(ctx.vocab, category_ids=[])
            block = empty
        rankings.append(
            rank_demand(
                spec,
                block,
                as_of=today,
                weights=ctx.policy.weights,
                params=ctx.params,
                k=ctx.k,
                near_miss_k=ctx.k,
                keep_suppliers=reviewed.get(spec.demand_id, ()),
            )
        )
    return rankings


def _reviewed_suppliers(demand_ids: Sequence[int]) -> dict[int, set[int]]:
    reviewed: dict[int, set[int]] = defaultdict(set)
    for demand_id, supplier_id in Match.objects.filter(
        demand_id__in=demand_ids, status__in=REVIEWED_MATCH_STATUSES
    ).values_list("demand_id", "supplier_id"):
        reviewed[demand_id].add(supplier_id)
    return reviewed


def rescore_specs(specs: Sequence[DemandSpec], ctx: Context) -> None:
    """Score these demands against every candidate of their categories and store their
    top-K, near misses and consortia."""
    if not specs:
        return
    candidates = load_candidates(ctx.vocab, category_ids={s.category_id for s in specs})
    demand_ids = [s.demand_id for s in specs]
    reviewed = _reviewed_suppliers(demand_ids)
    rankings = rank_specs(specs, ctx, _blocks(candidates), reviewed)
    rows = [
        row
        for ranking in rankings
        for row in ranking_rows(
            ranking, ctx.labels, reviewed=sorted(reviewed.get(ranking.demand_id, ()))
        )
    ]
    scored_at = timezone.now()
    with transaction.atomic():
        write_rows(
            demand_ids=demand_ids,
            rows=rows,
            policy=ctx.policy,
            algorithm_version=ALGORITHM_VERSION,
            scored_at=scored_at,
        )
        write_consortia(
            rankings, {s.demand_id: s for s in specs}, policy=ctx.policy, scored_at=scored_at
        )


def rescore_demand(*, demand_id: int) -> None:
    """Rescore one demand against all suppliers (after it was created or edited).

    Demands that are not open keep their last scores; an open demand that may not be
    matched (its manufacturer is not verified, or inactive) loses its suggestions."""
    open_ids = list(
        Demand.objects.filter(pk=demand_id, status=DemandStatus.OPEN).values_list("pk", flat=True)
    )
    specs = load_demand_specs(open_ids)
    rescore_specs(specs, Context.load())
    withdraw_suggestions(set(open_ids) - {spec.demand_id for spec in specs})


def withdraw_suggestions(demand_ids: set[int] | list[int]) -> None:
    """Open demands that are no longer matched: their unreviewed suggestions and consortium
    go, reviewed matches leave the ranking (they keep their status and history)."""
    if not demand_ids:
        return
    ids = list(demand_ids)
    delete_suggestions(Q(demand_id__in=ids))
    Match.objects.filter(demand_id__in=ids, is_current=True).update(is_current=False, rank=None)
    ConsortiumSuggestion.objects.filter(demand_id__in=ids).delete()


def rescore_supplier(*, supplier_id: int) -> None:
    """Rescore one supplier against every open demand it can touch.

    The supplier's own rows are recomputed; a demand is rescored in full only when the
    supplier leaves (or drops within) a full top list, because only then can a candidate
    not stored so far move up."""
    ctx = Context.load()
    candidates = load_candidates(ctx.vocab, supplier_ids=[supplier_id])
    categories = np.unique(candidates.category_id).tolist()
    touched = Demand.objects.filter(status=DemandStatus.OPEN).filter(
        Q(component_type__category_id__in=categories)
        | Q(pk__in=Match.objects.filter(supplier_id=supplier_id).values("demand_id"))
    )
    specs = load_demand_specs(touched)
    if not specs:
        return
    rankings = rank_supplier(
        specs,
        candidates,
        as_of=timezone.localdate(),
        weights=ctx.policy.weights,
        params=ctx.params,
    )
    existing = {
        m.demand_id: m
        for m in Match.objects.filter(supplier_id=supplier_id, demand__in=touched).only(
            "demand_id", "kind", "status", "score", "is_current"
        )
    }
    lists = _current_lists(touched)
    full, new_rows, gone, local = [], [], [], []
    for spec, ranking in zip(specs, rankings, strict=True):
        old = existing.get(spec.demand_id)
        if old is None and not _could_enter(ranking, lists.get(spec.demand_id, {}), ctx.k):
            continue  # not stored before, and below a full list now: nothing changes
        reviewed = [supplier_id] if old and old.status in REVIEWED_MATCH_STATUSES else []
        rows = ranking_rows(ranking, ctx.labels, reviewed=reviewed)
        new = rows[0] if rows else None
        if _needs_full_rescore(old, new, lists.get(spec.demand_id, {}), ctx.k):
            full.append(spec)
            continue
        local.append(spec.demand_id)
        if new is not None:
            new_rows.append(new)
        elif old is not None and old.status == MatchStatus.SUGGESTED:
            gone.append(old.pk)
    with transaction.atomic():
        delete_suggestions(Q(pk__in=gone))
        write_rows(
            demand_ids=[],
            rows=new_rows,
            policy=ctx.policy,
            algorithm_version=ALGORITHM_VERSION,
            scored_at=timezone.now(),
        )
        # ranks behind a row that left, moved or arrived close up; lists stay at K
        rerank(demand_ids=local, limit=ctx.k)
    if full:
        rescore_specs(full, ctx)


def _current_lists(demands: QuerySet) -> dict[int, dict[str, tuple[int, float]]]:
    """Per demand and kind: how many rows the current list holds and its lowest score."""
    lists: dict[int, dict[str, tuple[int, float]]] = defaultdict(dict)
    for item in (
        Match.objects.filter(demand__in=demands, is_current=True)
        .values("demand_id", "kind")
        .annotate(n=Count("pk"), low=Min("score"))
    ):
        lists[item["demand_id"]][item["kind"]] = (item["n"], item["low"])
    return lists


def _could_enter(ranking: Ranking, lists: dict[str, tuple[int, float]], k: int) -> bool:
    """Whether the ranked supplier would enter its list (ties are settled by rerank)."""
    for kind, rows in (
        (MatchKind.MATCH, ranking.match_rows),
        (MatchKind.NEAR_MISS, ranking.near_rows),
    ):
        if len(rows):
            count, lowest = lists.get(kind, (0, 0.0))
            return count < k or ranking.score_micro[rows[0]] / MICRO >= lowest
    return False


def _needs_full_rescore(old: Match | None, new: MatchRow | None, counts, k: int) -> bool:
    """Whether a candidate outside the stored lists could move up."""
    if old is None or not old.is_current:
        return False
    list_full = counts.get(old.kind, (0, 0.0))[0] >= k
    if not list_full:
        return False
    if new is None or not new.is_current or new.kind != old.kind:
        return True
    return new.score < old.score


# --- full rescore runs ------------------------------------------------------------------------


def full_rescore_start(*, triggered_by=None, reason: str = "") -> ScoringRun:
    """Record a full rescore of every open demand and enqueue it once this commits."""
    from .tasks import full_rescore_task

    policy = policy_active()
    run = ScoringRun.objects.create(
        kind=ScoringRunKind.FULL,
        policy=policy,
        algorithm_version=ALGORITHM_VERSION,
        total=Demand.objects.filter(status=DemandStatus.OPEN).count(),
        reason=reason[:200],
        triggered_by=triggered_by,
    )
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
    from .workspace.selectors.rescoring import full_run_in_progress

    with transaction.atomic():
        list(MatchingPolicy.objects.select_for_update().filter(is_active=True).values("pk"))
        running = full_run_in_progress()
        if running is not None:
            raise RescoreAlreadyRunning(running)
        return full_rescore_start(triggered_by=triggered_by, reason=reason)


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


def resume_stalled_runs(*, older_than_minutes: int = 10) -> list[int]:
    """Re-enqueue full rescores whose worker died (no progress for a while)."""
    from .tasks import full_rescore_task

    cutoff = timezone.now() - timezone.timedelta(minutes=older_than_minutes)
    stalled = list(
        ScoringRun.objects.filter(
            kind=ScoringRunKind.FULL,
            status__in=[ScoringRunStatus.PENDING, ScoringRunStatus.RUNNING],
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    for run_id in stalled:
        ScoringRun.objects.filter(pk=run_id).update(updated_at=timezone.now())
        transaction.on_commit(lambda run_id=run_id: full_rescore_task.delay(run_id))
    return stalled


# --- receivers of partner events ------------------------------------------------------------


def on_supplier_changed(*, supplier_id: int) -> None:
    from .tasks import rescore_supplier_task

    transaction.on_commit(lambda: rescore_supplier_task.delay(supplier_id))


def on_demand_changed(*, demand_id: int) -> None:
    from .tasks import rescore_demand_task

    transaction.on_commit(lambda: rescore_demand_task.delay(demand_id))
