"""Read side of the rescoring control: the policy in force, the scoring runs and the run in
progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from matchmaking.choices import ScoringRunKind, ScoringRunStatus
from matchmaking.engine.explanations import factor_name
from matchmaking.engine.runs import full_run_unfinished
from matchmaking.models import MatchingPolicy, ScoringRun
from matchmaking.scoring.config import FACTORS, normalise_weights

UNFINISHED = (ScoringRunStatus.PENDING, ScoringRunStatus.RUNNING)
FINISHED = (ScoringRunStatus.DONE, ScoringRunStatus.FAILED)


@dataclass(frozen=True)
class WeightRow:
    factor: str
    label: str
    percent: float


def policy_in_force() -> MatchingPolicy | None:
    """The active matching policy, or ``None`` before the first scoring (read only: the
    first scoring creates version 1)."""
    return MatchingPolicy.objects.filter(is_active=True).select_related("created_by").first()


def policy_weight_rows(policy: MatchingPolicy) -> list[WeightRow]:
    """The policy's weights as shares of the total, each factor named in the reader's
    language, in the algorithm's order."""
    try:
        weights = normalise_weights(policy.weights or {})
    except ValueError:
        weights = {}
    return [
        WeightRow(
            factor=factor,
            label=factor_name(factor),
            percent=round(100 * weights.get(factor, 0.0), 1),
        )
        for factor in FACTORS
    ]


def scoring_run_list() -> QuerySet[ScoringRun]:
    """Every scoring run, newest first, with what its row shows."""
    return ScoringRun.objects.select_related("policy", "triggered_by").order_by(
        "-created_at", "-pk"
    )


def full_run_current() -> ScoringRun | None:
    """The full rescore the progress bar follows: the one in progress, else the last one."""
    return (
        full_run_unfinished()
        or ScoringRun.objects.filter(kind=ScoringRunKind.FULL)
        .select_related("policy", "triggered_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def scoring_run_get(*, pk: int) -> ScoringRun | None:
    return ScoringRun.objects.select_related("policy", "triggered_by").filter(pk=pk).first()
