"""Matching services: rescoring demands and suppliers, resumable full rescores, and the
receivers that turn partner changes into rescoring work.

Only these services enqueue tasks, always through ``transaction.on_commit``.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from partners.choices import DemandStatus
from partners.models import Demand, Supplier

from .choices import (
    REVIEWED_MATCH_STATUSES,
    MatchKind,
    MatchStatus,
    ScoringRunKind,
    ScoringRunStatus,
)
from .loading import load_candidates, load_demand_specs, load_labels, load_vocabularies
from .models import ConsortiumSuggestion, Match, MatchingPolicy, ScoringRun
from .persistence import MatchRow, rerank, write_rows
from .policies import policy_active, policy_params
from .scoring.allocation import ConsortiumCandidate, consortium_for_demand
from .scoring.config import ALGORITHM_VERSION, Params
from .scoring.engine import DemandResult, score_demand
from .scoring.evaluation import MICRO
from .scoring.explain import Labels, breakdown_rows, render_all
from .scoring.inputs import Candidates, DemandSpec, Vocabularies
from .scoring.reasons import Reason

logger = logging.getLogger(__name__)


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


# --- turning engine results into rows ----------------------------------------------------


def _breakdown(result_breakdown) -> dict:
    return {
        "factors": [
            {
                "factor": item.factor,
                "value": item.value,
                "weight": item.weight,
                "contribution_micro": item.contribution_micro,
            }
            for item in result_breakdown
        ],
        "id": breakdown_rows(result_breakdown, "id"),
        "en": breakdown_rows(result_breakdown, "en"),
    }


def _issue(failures: Sequence[Reason], labels: Labels) -> tuple[str, str]:
    return "; ".join(render_all(failures, "id", labels)), "; ".join(
        render_all(failures, "en", labels)
    )


NO_CAPABILITY = (
    "Pemasok tidak lagi menawarkan komponen ini, atau tidak terverifikasi/aktif",
    "The supplier no longer offers this component, or is not verified/active",
)


def _reviewed_row(result: DemandResult, supplier_id: int, ctx: Context) -> MatchRow:
    """A reviewed match outside the new ranking: fresh score, or a qualification flag."""
    evaluation = result.evaluation
    rows = np.flatnonzero(evaluation.candidates.supplier_id == supplier_id)
    if len(rows) == 0:
        return MatchRow(
            demand_id=result.demand_id,
            supplier_id=supplier_id,
            capability_id=None,
            kind=MatchKind.MATCH,
            score=0.0,
            rank=None,
            is_current=False,
            issue_id=NO_CAPABILITY[0],
            issue_en=NO_CAPABILITY[1],
        )
    feasible = evaluation.check.feasible[rows]
    pool = rows[feasible] if feasible.any() else rows
    row = int(pool[np.argmax(evaluation.score_micro[pool])])
    failures = evaluation.failures(row)
    reasons = evaluation.reasons(row)
    issue = _issue(failures, ctx.labels) if failures else ("", "")
    return MatchRow(
        demand_id=result.demand_id,
        supplier_id=supplier_id,
        capability_id=int(evaluation.candidates.capability_id[row]),
        kind=MatchKind.NEAR_MISS if len(failures) == 1 else MatchKind.MATCH,
        score=int(evaluation.score_micro[row]) / MICRO,
        rank=None,
        breakdown=_breakdown(evaluation.breakdown(row)),
        reasons_id=render_all(reasons, "id", ctx.labels),
        reasons_en=render_all(reasons, "en", ctx.labels),
        failed_constraints=[f.as_dict() for f in failures],
        is_current=False,
        issue_id=issue[0],
        issue_en=issue[1],
    )


def result_rows(
    result: DemandResult, ctx: Context, *, reviewed: Iterable[int] = ()
) -> list[MatchRow]:
    """Rows for the top-K matches and near misses, plus every reviewed supplier."""
    rows = [
        MatchRow(
            demand_id=result.demand_id,
            supplier_id=m.supplier_id,
            capability_id=m.capability_id,
            kind=MatchKind.MATCH,
            score=m.score,
            rank=rank,
            breakdown=_breakdown(m.breakdown),
            reasons_id=render_all(m.reasons, "id", ctx.labels),
            reasons_en=render_all(m.reasons, "en", ctx.labels),
        )
        for rank, m in enumerate(result.matches, start=1)
    ]
    for near in result.near_misses:
        issue = _issue([near.failure], ctx.labels)
        rows.append(
            MatchRow(
                demand_id=result.demand_id,
                supplier_id=near.supplier_id,
                capability_id=near.capability_id,
                kind=MatchKind.NEAR_MISS,
                score=near.score,
                rank=None,
                breakdown=_breakdown(_near_breakdown(result, near.supplier_id)),
                reasons_id=[issue[0], *render_all(near.reasons, "id", ctx.labels)],
                reasons_en=[issue[1], *render_all(near.reasons, "en", ctx.labels)],
                failed_constraints=[near.failure.as_dict()],
            )
        )
    present = {r.supplier_id for r in rows}
    for supplier_id in reviewed:
        if supplier_id in present:
            # a reviewed near miss is a match that lost one qualification: flag it
            row = next(r for r in rows if r.supplier_id == supplier_id)
            if row.kind == MatchKind.NEAR_MISS:
                row.issue_id, row.issue_en = row.reasons_id[0], row.reasons_en[0]
            continue
        rows.append(_reviewed_row(result, supplier_id, ctx))
    return rows


def _near_breakdown(result: DemandResult, supplier_id: int):
    evaluation = result.evaluation
    rows = np.flatnonzero(
        (evaluation.candidates.supplier_id == supplier_id) & evaluation.check.near_miss
    )
    row = int(rows[np.argmax(evaluation.score_micro[rows])])
    return evaluation.breakdown(row)


# --- consortium ---------------------------------------------------------------------------


def _consortium(result: DemandResult, spec: DemandSpec, sentra: dict[int, str]):
    """A group covering the demand when no single feasible supplier can, else ``None``."""
    evaluation = result.evaluation
    feasible = np.flatnonzero(evaluation.check.feasible)
    if len(feasible) == 0:
        return None
    converted = evaluation.factors.converted_capacity[feasible]
    if np.isnan(converted).all() or np.nanmax(converted) >= spec.quantity:
        return None
    best: dict[int, ConsortiumCandidate] = {}
    cands = evaluation.candidates
    for row, capacity in zip(feasible.tolist(), converted.tolist(), strict=True):
        if capacity != capacity:  # NaN: incomparable units
            continue
        sid = int(cands.supplier_id[row])
        score = int(evaluation.score_micro[row]) / MICRO
        if sid in best and best[sid].score >= score:
            continue
        factor = capacity / cands.free_capacity[row] if cands.free_capacity[row] else 0.0
        best[sid] = ConsortiumCandidate(
            supplier_id=sid,
            capacity=capacity,
            score=score,
            minimum_order=float(cands.minimum_order[row]) * factor,
            sentra=sentra.get(sid, ""),
            latitude=_finite(cands.latitude[row]),
            longitude=_finite(cands.longitude[row]),
        )
    return consortium_for_demand(spec.quantity, list(best.values()))


def _finite(value: float) -> float | None:
    return None if value != value else float(value)


def _write_consortia(results, specs_by_id, ctx: Context, scored_at) -> None:
    demand_ids = [r.demand_id for r in results]
    supplier_ids = {int(s) for r in results for s in np.unique(r.evaluation.candidates.supplier_id)}
    sentra = dict(
        Supplier.objects.filter(pk__in=supplier_ids).exclude(sentra="").values_list("pk", "sentra")
    )
    names = dict(Supplier.objects.filter(pk__in=supplier_ids).values_list("pk", "legal_name"))
    suggestions = []
    for result in results:
        spec = specs_by_id[result.demand_id]
        group = _consortium(result, spec, sentra)
        if group is None or not group.members:
            continue
        scores = {m.supplier_id: m.score for m in result.matches}
        members = [
            {
                "supplier_id": m.supplier_id,
                "name": names.get(m.supplier_id, ""),
                "sentra": sentra.get(m.supplier_id, ""),
                "quantity": round(m.quantity, 3),
                "share_pct": round(m.share_pct, 1),
                "score": scores.get(m.supplier_id),
            }
            for m in group.members
        ]
        share_score = sum(
            (scores.get(m.supplier_id) or 0.0) * m.share_pct / 100 for m in group.members
        )
        sentras = sorted({m["sentra"] for m in members if m["sentra"]})
        suggestions.append(
            ConsortiumSuggestion(
                demand_id=result.demand_id,
                members=members,
                total_quantity=round(sum(m.quantity for m in group.members), 3),
                unit=spec.unit,
                score=min(max(share_score, 0.0), 1.0),
                reasons_id=[
                    f"{len(members)} IKM bersama menutup {spec.quantity:,.0f} {spec.unit}/bulan".replace(
                        ",", "."
                    ),
                    "Sentra: " + (", ".join(sentras) or "-"),
                ],
                reasons_en=[
                    f"{len(members)} IKM together cover {spec.quantity:,.0f} {spec.unit}/month",
                    "Sentra: " + (", ".join(sentras) or "-"),
                ],
                algorithm_version=ALGORITHM_VERSION,
                policy=ctx.policy,
                scored_at=scored_at,
            )
        )
    ConsortiumSuggestion.objects.filter(demand_id__in=demand_ids).delete()
    ConsortiumSuggestion.objects.bulk_create(suggestions)


# --- rescoring ------------------------------------------------------------------------------


def _blocks(candidates: Candidates) -> dict[int, Candidates]:
    order = np.argsort(candidates.category_id, kind="stable")
    cats, starts = np.unique(candidates.category_id[order], return_index=True)
    bounds = [*starts.tolist(), len(order)]
    return {
        int(cat): candidates.take(order[bounds[i] : bounds[i + 1]]) for i, cat in enumerate(cats)
    }


def score_specs(
    specs: Sequence[DemandSpec], ctx: Context, blocks: dict[int, Candidates]
) -> list[DemandResult]:
    today = timezone.localdate()
    empty: Candidates | None = None
    results = []
    for spec in specs:
        block = blocks.get(spec.category_id)
        if block is None:
            # no candidate of this category: score against an empty block (loaded once)
            if empty is None:
                empty = load_candidates(ctx.vocab, category_ids=[])
            block = empty
        results.append(
            score_demand(
                spec,
                block,
                as_of=today,
                weights=ctx.policy.weights,
                params=ctx.params,
                k=ctx.k,
                near_miss_k=ctx.k,
            )
        )
    return results


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
    blocks = _blocks(candidates)
    results = score_specs(specs, ctx, blocks)
    demand_ids = [s.demand_id for s in specs]
    reviewed = _reviewed_suppliers(demand_ids)
    rows = [
        row
        for result in results
        for row in result_rows(result, ctx, reviewed=sorted(reviewed.get(result.demand_id, ())))
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
        _write_consortia(results, {s.demand_id: s for s in specs}, ctx, scored_at)


def rescore_demand(*, demand_id: int) -> None:
    """Rescore one demand against all suppliers (after it was created or edited).

    Demands that are not open keep their last scores."""
    specs = load_demand_specs(
        Demand.objects.filter(pk=demand_id, status=DemandStatus.OPEN).values_list("pk", flat=True)
    )
    rescore_specs(specs, Context.load())


def rescore_supplier(*, supplier_id: int) -> None:
    """Rescore one supplier against every open demand it can touch.

    The supplier's own rows are recomputed; a demand is rescored in full only when the
    supplier leaves (or drops within) a full top list, because only then can a candidate
    not stored so far move up."""
    ctx = Context.load()
    candidates = load_candidates(ctx.vocab, supplier_ids=[supplier_id])
    categories = set(np.unique(candidates.category_id).tolist())
    touched = set(
        Demand.objects.filter(
            status=DemandStatus.OPEN, component_type__category_id__in=categories
        ).values_list("pk", flat=True)
    ) | set(
        Match.objects.filter(supplier_id=supplier_id, demand__status=DemandStatus.OPEN).values_list(
            "demand_id", flat=True
        )
    )
    if not touched:
        return
    specs = load_demand_specs(sorted(touched))
    blocks = _blocks(candidates)
    results = score_specs(specs, ctx, blocks)
    existing = {
        m.demand_id: m
        for m in Match.objects.filter(supplier_id=supplier_id, demand_id__in=touched).only(
            "demand_id", "kind", "status", "score", "is_current"
        )
    }
    counts = _current_counts(touched)
    full, local_rows = [], []
    for spec, result in zip(specs, results, strict=True):
        old = existing.get(spec.demand_id)
        reviewed = [supplier_id] if old and old.status in REVIEWED_MATCH_STATUSES else []
        rows = result_rows(result, ctx, reviewed=reviewed)
        new = rows[0] if rows else None
        if _needs_full_rescore(old, new, counts.get(spec.demand_id, {}), ctx.k):
            full.append(spec)
        else:
            local_rows.append((spec.demand_id, old, new))
    scored_at = timezone.now()
    with transaction.atomic():
        for demand_id, old, new in local_rows:
            _apply_local(demand_id, supplier_id, old, new, ctx, scored_at)
    if full:
        rescore_specs(full, ctx)


def _current_counts(demand_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for demand_id, kind in Match.objects.filter(
        demand_id__in=list(demand_ids), is_current=True
    ).values_list("demand_id", "kind"):
        counts[demand_id][kind] = counts[demand_id].get(kind, 0) + 1
    return counts


def _needs_full_rescore(old: Match | None, new: MatchRow | None, counts, k: int) -> bool:
    """Whether a candidate outside the stored lists could move up."""
    if old is None or not old.is_current:
        return False
    list_full = counts.get(old.kind, 0) >= k
    if not list_full:
        return False
    if new is None or not new.is_current or new.kind != old.kind:
        return True
    return new.score < old.score


def _apply_local(demand_id, supplier_id, old, new, ctx: Context, scored_at) -> None:
    if new is None:
        if old is None or old.status != MatchStatus.SUGGESTED:
            return
        Match.objects.filter(pk=old.pk).delete()
    else:
        write_rows(
            demand_ids=[],
            rows=[new],
            policy=ctx.policy,
            algorithm_version=ALGORITHM_VERSION,
            scored_at=scored_at,
        )
    # the ranks behind a row that left, moved or arrived close up
    for kind in (MatchKind.MATCH, MatchKind.NEAR_MISS):
        rerank(demand_id=demand_id, kind=kind, limit=ctx.k)


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
    open_ids = list(
        Demand.objects.filter(status=DemandStatus.OPEN, pk__gt=run.cursor)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for batches, start in enumerate(range(0, len(open_ids), batch_size)):
        if max_batches is not None and batches >= max_batches:
            return run
        batch = open_ids[start : start + batch_size]
        with transaction.atomic():
            locked = ScoringRun.objects.select_for_update().get(pk=run.pk)
            if locked.status != ScoringRunStatus.RUNNING:
                return locked
            if not MatchingPolicy.objects.filter(pk=run.policy_id, is_active=True).exists():
                _fail(locked, f"superseded: policy v{run.policy.version} is no longer active")
                return locked
            if locked.cursor >= batch[-1]:
                continue
            still_open = Demand.objects.filter(pk__in=batch, status=DemandStatus.OPEN)
            specs = load_demand_specs(still_open.values_list("pk", flat=True))
            rescore_specs(specs, ctx)
            ScoringRun.objects.filter(pk=run.pk).update(
                cursor=batch[-1],
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
