"""Factor names, weights and tunable parameters of the score."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

ALGORITHM_VERSION = "2026.12-1"
"""2026.12-1: the expert rules of issue 11 (declared processes, related near misses,
capacity weighted up when no single IKM covers the volume)."""

FACTORS: tuple[str, ...] = (
    "component_fit",
    "capacity_fit",
    "process_coverage",
    "material_match",
    "preferred_certifications",
    "distance",
    "lead_time",
    "sector_alignment",
    "track_record",
    "spreading",
)

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "component_fit": 0.20,
    "capacity_fit": 0.20,
    "process_coverage": 0.10,
    "material_match": 0.10,
    "preferred_certifications": 0.08,
    "distance": 0.10,
    "lead_time": 0.08,
    "sector_alignment": 0.04,
    "track_record": 0.06,
    "spreading": 0.04,
}

NEUTRAL = 0.5
"""The value of a factor that cannot be judged (incomparable units, unknown location …)."""


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Every factor's weight, scaled to sum to 1; factors left out weigh 0.

    Raises ``ValueError`` for unknown factors, negative or non-finite weights, or an all-zero
    mapping.
    """
    unknown = set(weights) - set(FACTORS)
    if unknown:
        raise ValueError(f"unknown factors: {sorted(unknown)}")
    raw = {factor: float(weights.get(factor, 0.0)) for factor in FACTORS}
    if any(not math.isfinite(w) or w < 0 for w in raw.values()):
        raise ValueError("weights must be finite and non-negative")
    total = math.fsum(raw.values())
    if total <= 0:
        raise ValueError("at least one weight must be positive")
    return {factor: w / total for factor, w in raw.items()}


@dataclass(frozen=True)
class Params:
    """Tunable constants of the factors (stored with the weights by the caller)."""

    distance_length_km: float = 300.0
    """distance = exp(-km / distance_length_km)."""
    inferred_type_fit: float = 0.6
    """component_fit of a capability for another type of the same category."""
    division_fit: float = 0.5
    """sector_alignment when only the 2-digit KBLI division is shared."""
    prior_on_time: float = 2.0
    prior_late: float = 2.0
    """track_record = (on_time + prior_on_time) / (completed + prior_on_time + prior_late)."""
    spread_scale: float = 5.0
    """spreading = 1 / (1 + load / spread_scale)."""
    lead_time_scale_days: float = 30.0
    """lead_time = exp(-days_late / lead_time_scale_days)."""
    related_type_fit: float = 0.3
    """component_fit of a capability in a sibling category (a near miss, never a match)."""
    shortfall_capacity_weight: float = 0.5
    """The share of the score capacity_fit weighs when no feasible row covers the demand's
    monthly quantity (the others scaled down in proportion; see :func:`shortfall_weights`)."""

    def __post_init__(self) -> None:
        positive = {
            "distance_length_km": self.distance_length_km,
            "prior_on_time": self.prior_on_time,
            "prior_late": self.prior_late,
            "spread_scale": self.spread_scale,
            "lead_time_scale_days": self.lead_time_scale_days,
        }
        for name, value in positive.items():
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number")
        for name, value in {
            "inferred_type_fit": self.inferred_type_fit,
            "division_fit": self.division_fit,
            "related_type_fit": self.related_type_fit,
            "shortfall_capacity_weight": self.shortfall_capacity_weight,
        }.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1]")


DEFAULT_PARAMS = Params()


def shortfall_weights(weights: Mapping[str, float], capacity_weight: float) -> dict[str, float]:
    """The weights used when no single supplier covers the volume: ``capacity_fit`` weighs
    ``capacity_weight`` of the total (never less than it already does), the other factors
    keep their proportions in the rest. Normalised, like :func:`normalise_weights`."""
    normalised = normalise_weights(weights)
    capacity = normalised["capacity_fit"]
    if capacity >= capacity_weight:
        return normalised
    scale = (1.0 - capacity_weight) / (1.0 - capacity)
    return {
        factor: capacity_weight if factor == "capacity_fit" else weight * scale
        for factor, weight in normalised.items()
    }
