"""From a demand's ranking (numpy arrays) to the rows stored for it.

Nothing here builds a Python object per factor or per reason: the breakdown is two lists
(factor values, contributions in millionths) and the explanation is the compact facts the
reasons are rebuilt from when a page shows them (see ``matchmaking.engine.explanations``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..choices import MatchKind
from ..scoring.config import FACTORS
from ..scoring.evaluation import MICRO
from ..scoring.facts import DemandContext, demand_context, row_facts
from ..scoring.ranking import Ranking
from ..scoring.reasons import failures_from_facts
from ..scoring.texts import Labels
from .explanations import issue_text
from .persistence import MatchRow

NO_CAPABILITY = (
    "Pemasok tidak lagi menawarkan komponen ini, atau tidak terverifikasi/aktif",
    "The supplier no longer offers this component, or is not verified/active",
)


def _rows(
    ranking: Ranking, indices: np.ndarray, kind: str, context: DemandContext, *, ranked: bool
) -> list[MatchRow]:
    evaluation = ranking.evaluation
    if len(indices) == 0:
        return []
    candidates = evaluation.candidates
    facts = row_facts(evaluation, indices)
    values = np.round(evaluation.factors.values[indices], 4).tolist()
    contributions = evaluation.contributions_micro[indices].tolist()
    # the shortfall weights are not the policy's: the breakdown carries the ones it used
    weights = [evaluation.weights[f] for f in FACTORS] if context.get("sf") else None
    scores = (evaluation.score_micro[indices] / MICRO).tolist()
    suppliers = candidates.supplier_id[indices].tolist()
    capabilities = candidates.capability_id[indices].tolist()
    rows = []
    for position, fact in enumerate(facts):
        failed = (
            [f.as_dict() for f in failures_from_facts(context, fact)]
            if kind == MatchKind.NEAR_MISS
            else []
        )
        rows.append(
            MatchRow(
                demand_id=ranking.demand_id,
                supplier_id=suppliers[position],
                capability_id=capabilities[position],
                kind=kind,
                score=scores[position],
                rank=position + 1 if ranked else None,
                breakdown={"v": values[position], "c": contributions[position]}
                | ({"w": weights} if weights else {}),
                explanation={"ctx": context, "row": fact},
                failed_constraints=failed,
            )
        )
    return rows


def _reviewed_row(
    ranking: Ranking, supplier_id: int, context: DemandContext, labels: Labels
) -> MatchRow:
    """A reviewed match outside the new lists: fresh score, or a qualification flag."""
    evaluation = ranking.evaluation
    own = np.flatnonzero(evaluation.candidates.supplier_id == supplier_id)
    if len(own) == 0:
        return MatchRow(
            demand_id=ranking.demand_id,
            supplier_id=supplier_id,
            capability_id=None,
            kind=MatchKind.MATCH,
            score=0.0,
            rank=None,
            is_current=False,
            issue_id=NO_CAPABILITY[0],
            issue_en=NO_CAPABILITY[1],
        )
    feasible = evaluation.check.feasible[own]
    pool = own[feasible] if feasible.any() else own
    best = np.array([pool[np.argmax(evaluation.score_micro[pool])]], dtype=np.int64)
    (row,) = _rows(ranking, best, MatchKind.MATCH, context, ranked=False)
    failures = failures_from_facts(context, row.explanation["row"])
    row.kind = MatchKind.NEAR_MISS if len(failures) == 1 else MatchKind.MATCH
    row.failed_constraints = [f.as_dict() for f in failures]
    row.is_current = False
    if failures:
        row.issue_id, row.issue_en = issue_text(failures, labels)
    return row


def ranking_rows(
    ranking: Ranking, labels: Labels, *, reviewed: Iterable[int] = ()
) -> list[MatchRow]:
    """Rows for the top-K matches and near misses, plus every reviewed supplier (flagged
    when it no longer qualifies)."""
    context = demand_context(ranking.evaluation.encoding)
    if ranking.shortfall:
        context["sf"] = 1
    rows = _rows(ranking, ranking.match_rows, MatchKind.MATCH, context, ranked=True)
    rows += _rows(ranking, ranking.near_rows, MatchKind.NEAR_MISS, context, ranked=False)
    by_supplier = {r.supplier_id: r for r in rows}
    for supplier_id in reviewed:
        row = by_supplier.get(supplier_id)
        if row is None:
            rows.append(_reviewed_row(ranking, supplier_id, context, labels))
        elif row.kind == MatchKind.NEAR_MISS:
            # a reviewed supplier that is now a near miss lost one qualification: flag it
            failures = failures_from_facts(context, row.explanation["row"])
            row.issue_id, row.issue_en = issue_text(failures, labels)
    return rows
