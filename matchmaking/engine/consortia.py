"""Consortium suggestions: a small group of IKM covering a demand no single one can."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypedDict

import numpy as np

from partners.models import Supplier

from ..models import ConsortiumSuggestion, MatchingPolicy
from ..scoring.config import ALGORITHM_VERSION
from ..scoring.consortium import (
    Consortium,
    ConsortiumCandidate,
    ConsortiumParams,
    consortium_for_demand,
)
from ..scoring.evaluation import MICRO
from ..scoring.inputs import DemandSpec
from ..scoring.ranking import Ranking
from ..scoring.texts import format_quantity

# A dozen shortlisted candidates keep the MILP to milliseconds per demand.
PARAMS = ConsortiumParams(max_candidates=12)


class MemberRow(TypedDict):
    """One member of a stored suggestion (``ConsortiumSuggestion.members``)."""

    supplier_id: int
    name: str
    sentra: str
    quantity: float
    share_pct: float
    score: float | None


def _finite(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def consortium(ranking: Ranking, spec: DemandSpec, sentra: dict[int, str]) -> Consortium | None:
    """A group covering the demand when no single feasible supplier can, else ``None``."""
    evaluation = ranking.evaluation
    feasible = np.flatnonzero(evaluation.check.feasible)
    if len(feasible) == 0:
        return None
    converted = evaluation.factors.converted_capacity[feasible]
    comparable = ~np.isnan(converted)
    if not comparable.any() or converted[comparable].max() >= spec.quantity:
        return None
    candidates = evaluation.candidates
    best: dict[int, ConsortiumCandidate] = {}
    for row, capacity in zip(
        feasible[comparable].tolist(), converted[comparable].tolist(), strict=True
    ):
        supplier_id = int(candidates.supplier_id[row])
        score = int(evaluation.score_micro[row]) / MICRO
        if supplier_id in best and best[supplier_id].score >= score:
            continue
        free = float(candidates.free_capacity[row])
        best[supplier_id] = ConsortiumCandidate(
            supplier_id=supplier_id,
            capacity=capacity,
            score=score,
            minimum_order=float(candidates.minimum_order[row]) * (capacity / free if free else 0),
            sentra=sentra.get(supplier_id, ""),
            latitude=_finite(candidates.latitude[row]),
            longitude=_finite(candidates.longitude[row]),
        )
    return consortium_for_demand(spec.quantity, list(best.values()), PARAMS)


def needs_consortium(ranking: Ranking) -> bool:
    """Whether the demand may need a consortium: it is scored as short (no feasible row
    covers the quantity) and has feasible rows to make one of."""
    return ranking.shortfall and bool(ranking.evaluation.check.feasible.any())


def write_consortia(
    rankings: Sequence[Ranking],
    specs: dict[int, DemandSpec],
    *,
    policy: MatchingPolicy,
    scored_at: datetime,
) -> None:
    """Replace the consortium suggestions of these demands."""
    demand_ids = [r.demand_id for r in rankings]
    # Only a demand in shortfall (no feasible row covers its quantity, ADR 0017) can need a
    # consortium: elsewhere ``consortium`` returns None. Its feasible suppliers alone are
    # the ones whose names and sentra are read (most demands are not short).
    groups = {r.demand_id: r for r in rankings if needs_consortium(r)}
    supplier_ids = {
        int(s)
        for r in groups.values()
        for s in np.unique(r.evaluation.candidates.supplier_id[r.evaluation.check.feasible])
    }
    facts = {
        pk: (name, sentra)
        for pk, name, sentra in Supplier.objects.filter(pk__in=supplier_ids).values_list(
            "pk", "legal_name", "sentra"
        )
    }
    sentra = {pk: s for pk, (_, s) in facts.items() if s}
    suggestions = []
    for demand_id, ranking in groups.items():
        spec = specs[demand_id]
        group = consortium(ranking, spec, sentra)
        if group is None or not group.members:
            continue
        evaluation = ranking.evaluation
        best_score: dict[int, float] = {}
        for row in np.flatnonzero(evaluation.check.feasible).tolist():
            sid = int(evaluation.candidates.supplier_id[row])
            best_score[sid] = max(best_score.get(sid, 0.0), evaluation.score_micro[row] / MICRO)
        members: list[MemberRow] = [
            {
                "supplier_id": m.supplier_id,
                "name": facts.get(m.supplier_id, ("", ""))[0],
                "sentra": sentra.get(m.supplier_id, ""),
                "quantity": round(m.quantity, 3),
                "share_pct": round(m.share_pct, 1),
                "score": best_score.get(m.supplier_id),
            }
            for m in group.members
        ]
        score = sum((m["score"] or 0.0) * m["share_pct"] / 100 for m in members)
        sentras = ", ".join(sorted({m["sentra"] for m in members if m["sentra"]})) or "-"
        quantity = {lang: format_quantity(spec.quantity, lang) for lang in ("id", "en")}
        suggestions.append(
            ConsortiumSuggestion(
                demand_id=demand_id,
                members=members,
                total_quantity=round(sum(m.quantity for m in group.members), 3),
                unit=spec.unit,
                score=min(max(score, 0.0), 1.0),
                reasons_id=[
                    f"{len(members)} IKM bersama menutup {quantity['id']} {spec.unit}/bulan",
                    f"Sentra: {sentras}",
                ],
                reasons_en=[
                    f"{len(members)} IKM together cover {quantity['en']} {spec.unit}/month",
                    f"Sentra: {sentras}",
                ],
                algorithm_version=ALGORITHM_VERSION,
                policy=policy,
                scored_at=scored_at,
            )
        )
    ConsortiumSuggestion.objects.filter(demand_id__in=demand_ids).delete()
    ConsortiumSuggestion.objects.bulk_create(suggestions)
