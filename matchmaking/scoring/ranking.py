"""Ranking a demand's candidates: hard constraints, score, one row per supplier, top-K."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from .config import ALGORITHM_VERSION, DEFAULT_PARAMS, DEFAULT_WEIGHTS, Params, shortfall_weights
from .constraints import failed_item_counts
from .encoding import encode_demand
from .evaluation import MICRO, Evaluation, FactorContribution, evaluate_encoded
from .inputs import BoolArray, Candidates, DemandSpec, IntArray
from .reasons import Reason, row_failures, row_reasons


@dataclass(frozen=True)
class RankedCandidate:
    """A supplier that passes the hard constraints, ranked in a demand's top-K with its
    best row: the score, its breakdown and the reasons."""

    supplier_id: int
    capability_id: int
    score_micro: int
    """The score in millionths: exactly the sum of the breakdown's ``contribution_micro``."""
    breakdown: tuple[FactorContribution, ...]
    reasons: tuple[Reason, ...]

    @property
    def score(self) -> float:
        return self.score_micro / MICRO


@dataclass(frozen=True)
class NearMiss:
    """A verified supplier that fails exactly one hard-constraint item."""

    supplier_id: int
    capability_id: int
    score_micro: int
    """What it would score, had it passed."""
    failure: Reason
    reasons: tuple[Reason, ...]

    @property
    def score(self) -> float:
        return self.score_micro / MICRO


@dataclass(frozen=True, eq=False)
class DemandResult:
    demand_id: int
    algorithm_version: str
    weights: Mapping[str, float]
    params: Params
    matches: tuple[RankedCandidate, ...]
    """Best first (score, then lower supplier id); one per supplier."""
    near_misses: tuple[NearMiss, ...]
    """Suppliers without a feasible row; best first, one per supplier."""
    evaluation: Evaluation
    """The arrays behind the result, over the demand's block of candidates."""
    block: IntArray
    """Indices of the block's rows in the candidates that were passed in."""
    shortfall: bool = False
    """No feasible row covers the quantity (see :attr:`Ranking.shortfall`)."""


def top_k(score_micro: IntArray, tiebreak: IntArray, k: int) -> IntArray:
    """Indices of the ``k`` best rows: higher score first, then lower ``tiebreak``.

    Uses ``np.argpartition`` to find the k-th score, then sorts only the rows at or above
    it, so rows tied at the boundary are decided by ``tiebreak`` as in a full sort.
    """
    n = len(score_micro)
    if k <= 0 or n == 0:
        return np.empty(0, dtype=np.int64)
    pool = np.arange(n)
    if k < n:
        kth = np.argpartition(-score_micro, k - 1)[k - 1]
        pool = np.flatnonzero(score_micro >= score_micro[kth])
    order = np.lexsort((tiebreak[pool], -score_micro[pool]))
    result: IntArray = pool[order[:k]].astype(np.int64)
    return result


def best_per_supplier(
    rows: IntArray, supplier_id: IntArray, score_micro: IntArray, capability_id: IntArray
) -> IntArray:
    """Of ``rows``, the best-scoring one of each supplier (lower capability id on ties)."""
    if len(rows) == 0:
        return rows
    order = np.lexsort((capability_id[rows], -score_micro[rows], supplier_id[rows]))
    ordered = rows[order]
    _, first = np.unique(supplier_id[ordered], return_index=True)
    best: IntArray = ordered[first]
    return best


@dataclass(eq=False)  # not frozen: a frozen __init__ costs ~2 µs, too much per demand
class Ranking:
    """A demand's chosen rows, without per-row Python objects; the evaluation behind them
    is built on first access (:func:`~.incremental.rank_supplier` defers it). Read-only
    by convention."""

    demand_id: int
    block: IntArray
    """Indices of the block's rows in the candidates that were passed in."""
    score_micro: IntArray
    """``evaluation.score_micro``, readable without building the evaluation."""
    match_rows: IntArray
    """Rows of ``evaluation`` matched, best first (score, then lower supplier id); one
    per supplier."""
    near_rows: IntArray
    """Rows of ``evaluation`` that are near misses of suppliers without a feasible row;
    best first, one per supplier."""
    evaluate: Callable[[], Evaluation] = field(repr=False)
    """Builds :attr:`evaluation`; called once, when it is first read."""
    shortfall: bool = False
    """No feasible row covers the demand's monthly quantity: scored with
    :func:`~.config.shortfall_weights` (a consortium is the answer)."""

    @cached_property
    def evaluation(self) -> Evaluation:
        """The arrays over the demand's block of candidates."""
        return self.evaluate()


def _id_array(ids: Collection[int]) -> IntArray:
    if isinstance(ids, np.ndarray):
        array: IntArray = ids.astype(np.int64, copy=False)
        return array
    return np.fromiter(ids, dtype=np.int64, count=len(ids))


def covers_quantity(evaluation: Evaluation) -> BoolArray:
    """Feasible rows whose free capacity, in the demand's unit, reaches its quantity."""
    converted = evaluation.factors.converted_capacity
    with np.errstate(invalid="ignore"):
        covers: BoolArray = evaluation.check.feasible & (
            converted >= evaluation.encoding.demand.quantity
        )
    return covers


def rank_demand(
    demand: DemandSpec,
    candidates: Candidates,
    *,
    as_of: date,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    params: Params = DEFAULT_PARAMS,
    k: int | None = 50,
    near_miss_k: int | None = 50,
    keep_suppliers: Collection[int] = (),
) -> Ranking:
    """Score ``candidates`` against ``demand`` (rows of categories other than its own and
    its related ones are skipped) and pick the top matches and near misses as row indices.

    When no feasible row covers the demand's quantity the rows are scored with
    :func:`~.config.shortfall_weights` and the ranking says so (``shortfall``).

    ``k`` / ``near_miss_k`` cap the matches / near misses (``None``: all). Only rows that
    fail at most one constraint item, and every row of ``keep_suppliers``, are scored:
    the evaluation covers those rows (``block`` gives their indices in ``candidates``).
    """
    in_block = candidates.category_id == demand.category_id
    if demand.related_category_ids:
        in_block |= np.isin(candidates.category_id, _id_array(demand.related_category_ids))
    in_category = np.flatnonzero(in_block)
    rows = candidates if len(in_category) == len(candidates) else candidates.take(in_category)
    encoding = encode_demand(demand, rows.vocab, as_of=as_of)
    screened = failed_item_counts(encoding, rows) <= 1
    if len(keep_suppliers):
        screened |= np.isin(rows.supplier_id, _id_array(keep_suppliers))
    kept = np.flatnonzero(screened)
    evaluation = evaluate_encoded(encoding, rows.take(kept), weights=weights, params=params)
    shortfall = not covers_quantity(evaluation).any()
    if shortfall:
        evaluation = evaluation.reweighted(
            shortfall_weights(weights, params.shortfall_capacity_weight)
        )
    scored = evaluation.candidates
    score = evaluation.score_micro

    def ranked(selected: IntArray, limit: int | None) -> IntArray:
        best = best_per_supplier(selected, scored.supplier_id, score, scored.capability_id)
        count = len(best) if limit is None else limit
        picked: IntArray = best[top_k(score[best], scored.supplier_id[best], count)]
        return picked

    feasible = np.flatnonzero(evaluation.check.feasible)
    near = np.flatnonzero(
        evaluation.check.near_miss & ~np.isin(scored.supplier_id, scored.supplier_id[feasible])
    )
    return Ranking(
        demand_id=demand.demand_id,
        block=in_category[kept].astype(np.int64),
        score_micro=score,
        match_rows=ranked(feasible, k),
        near_rows=ranked(near, near_miss_k),
        evaluate=lambda: evaluation,
        shortfall=shortfall,
    )


def score_demand(
    demand: DemandSpec,
    candidates: Candidates,
    *,
    as_of: date,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    params: Params = DEFAULT_PARAMS,
    k: int | None = 50,
    near_miss_k: int | None = 50,
) -> DemandResult:
    """:func:`rank_demand` with a :class:`RankedCandidate` / :class:`NearMiss` (breakdown, reasons)
    per chosen row; the evaluation covers every row of the demand's category."""
    ranking = rank_demand(
        demand,
        candidates,
        as_of=as_of,
        weights=weights,
        params=params,
        k=k,
        near_miss_k=near_miss_k,
        keep_suppliers=candidates.supplier_id,
    )
    evaluation = ranking.evaluation
    rows = evaluation.candidates
    score = evaluation.score_micro
    return DemandResult(
        demand_id=demand.demand_id,
        algorithm_version=ALGORITHM_VERSION,
        weights=evaluation.weights,
        params=params,
        matches=tuple(
            RankedCandidate(
                supplier_id=int(rows.supplier_id[row]),
                capability_id=int(rows.capability_id[row]),
                score_micro=int(score[row]),
                breakdown=evaluation.breakdown(int(row)),
                reasons=row_reasons(evaluation, int(row)),
            )
            for row in ranking.match_rows
        ),
        near_misses=tuple(
            NearMiss(
                supplier_id=int(rows.supplier_id[row]),
                capability_id=int(rows.capability_id[row]),
                score_micro=int(score[row]),
                failure=row_failures(evaluation, int(row))[0],
                reasons=row_reasons(evaluation, int(row)),
            )
            for row in ranking.near_rows
        ),
        evaluation=evaluation,
        block=ranking.block,
        shortfall=ranking.shortfall,
    )
