"""All constraints, factors and the score of every candidate row of one demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from .config import DEFAULT_PARAMS, DEFAULT_WEIGHTS, FACTORS, Params, normalise_weights
from .constraints import ConstraintCheck, check_constraints
from .encoding import DemandEncoding, encode_demand
from .factors import FactorValues, factor_values
from .inputs import Candidates, DemandSpec, IntArray

MICRO = 1_000_000


def micro_to_decimal(micro: int) -> Decimal:
    """An exact 6-decimal :class:`~decimal.Decimal` from micro-units (for storage)."""
    return Decimal(micro).scaleb(-6)


@dataclass(frozen=True)
class FactorContribution:
    factor: str
    value: float
    weight: float
    contribution_micro: int
    """``round(value * weight * 10**6)``: the contribution in millionths."""

    @property
    def contribution(self) -> float:
        return self.contribution_micro / MICRO


def contributions_micro(
    values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
) -> IntArray:
    """Each contribution rounded to 6 decimals, as integer millionths."""
    micro: IntArray = np.rint(values * weights * MICRO).astype(np.int64)
    return micro


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Arrays over the rows of ``candidates``; ``score_micro == contributions.sum(axis=1)``."""

    encoding: DemandEncoding
    candidates: Candidates
    weights: Mapping[str, float]
    check: ConstraintCheck
    factors: FactorValues
    contributions_micro: IntArray
    score_micro: IntArray

    def reweighted(self, weights: Mapping[str, float]) -> Evaluation:
        """The same rows and factor values scored with other (normalised) ``weights``."""
        weight_row = np.array([weights[factor] for factor in FACTORS], dtype=np.float64)
        micro = contributions_micro(self.factors.values, weight_row)
        return replace(
            self,
            weights=weights,
            contributions_micro=micro,
            score_micro=micro.sum(axis=-1, dtype=np.int64),
        )

    def breakdown(self, row: int) -> tuple[FactorContribution, ...]:
        return tuple(
            FactorContribution(
                factor=factor,
                value=float(self.factors.values[row, column]),
                weight=self.weights[factor],
                contribution_micro=int(self.contributions_micro[row, column]),
            )
            for column, factor in enumerate(FACTORS)
        )


def evaluate(
    demand: DemandSpec,
    candidates: Candidates,
    *,
    as_of: date,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    params: Params = DEFAULT_PARAMS,
) -> Evaluation:
    """Check and score every row of ``candidates`` (no blocking, no top-K)."""
    encoding = encode_demand(demand, candidates.vocab, as_of=as_of)
    return evaluate_encoded(encoding, candidates, weights=weights, params=params)


def evaluate_encoded(
    encoding: DemandEncoding,
    candidates: Candidates,
    *,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    params: Params = DEFAULT_PARAMS,
) -> Evaluation:
    """:func:`evaluate` for a demand already encoded in ``candidates.vocab``."""
    normalised = normalise_weights(weights)
    check = check_constraints(encoding, candidates)
    values = factor_values(encoding, candidates, check, params)
    weight_row = np.array([normalised[factor] for factor in FACTORS], dtype=np.float64)
    micro = contributions_micro(values.values, weight_row)
    return Evaluation(
        encoding=encoding,
        candidates=candidates,
        weights=normalised,
        check=check,
        factors=values,
        contributions_micro=micro,
        score_micro=micro.sum(axis=1, dtype=np.int64),
    )
