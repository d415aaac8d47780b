"""The factors, each a vectorised function on a fixed scale [0, 1].

Fixed scales (never min–max over the candidate set) keep a candidate's score independent
of the other candidates, so adding a supplier never reorders the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .config import FACTORS, NEUTRAL, Params
from .constraints import ConstraintCheck, MaterialState
from .encoding import DemandEncoding
from .geo import haversine_km
from .inputs import Candidates, FloatArray, IntArray
from .vocab import intersects, popcount


class KbliLevel(IntEnum):
    UNKNOWN = -1
    """The demand has no KBLI codes to compare with."""
    NONE = 0
    DIVISION = 1
    CODE = 2


@dataclass(frozen=True, eq=False)
class FactorValues:
    values: FloatArray
    """Shape ``(n, len(FACTORS))`` in the order of :data:`FACTORS`."""
    converted_capacity: FloatArray
    """Free capacity in the demand's unit; NaN where the units are incomparable."""
    km: FloatArray
    """Distance to the delivery plant; NaN where a location is unknown."""
    kbli_level: IntArray


def component_fit(check: ConstraintCheck, params: Params) -> FloatArray:
    fit: FloatArray = np.where(
        check.exact_type,
        1.0,
        np.where(check.related, params.related_type_fit, params.inferred_type_fit),
    )
    return fit


def capacity_fit(converted: FloatArray, quantity: float) -> FloatArray:
    ratio = np.minimum(np.maximum(converted, 0.0) / quantity, 1.0)
    fit: FloatArray = np.where(np.isnan(converted), NEUTRAL, ratio)
    return fit


def process_coverage(
    encoding: DemandEncoding, candidates: Candidates, check: ConstraintCheck
) -> FloatArray:
    required = int(popcount(encoding.required_processes))
    if required == 0:
        return np.ones(len(candidates), dtype=np.float64)
    uncovered = popcount(check.missing_processes)
    coverage: FloatArray = (required - uncovered) / required
    return coverage


MATERIAL_FIT = np.array(
    [
        {
            MaterialState.NOT_REQUIRED: 1.0,
            MaterialState.DECLARED: 1.0,
            MaterialState.UNDECLARED: NEUTRAL,
            MaterialState.MISMATCH: 0.0,
        }[state]
        for state in MaterialState
    ]
)
"""material_match indexed by :class:`MaterialState`."""


def material_match(check: ConstraintCheck) -> FloatArray:
    fit: FloatArray = MATERIAL_FIT[check.material]
    return fit


def preferred_certifications(encoding: DemandEncoding, candidates: Candidates) -> FloatArray:
    if not encoding.preferred_ids:
        return np.ones(len(candidates), dtype=np.float64)
    valid = candidates.cert_valid_until[:, encoding.preferred_columns] >= encoding.needed_by
    share: FloatArray = valid.sum(axis=1) / len(encoding.preferred_ids)
    return share


def distance_km(encoding: DemandEncoding, candidates: Candidates) -> FloatArray:
    demand = encoding.demand
    if demand.latitude is None or demand.longitude is None:
        return np.full(len(candidates), np.nan)
    return haversine_km(
        candidates.latitude, candidates.longitude, demand.latitude, demand.longitude
    )


def distance(km: FloatArray, params: Params) -> FloatArray:
    fit: FloatArray = np.where(np.isnan(km), NEUTRAL, np.exp(-km / params.distance_length_km))
    return fit


def lead_time(lead_time_days: FloatArray, available_days: int, params: Params) -> FloatArray:
    days_late = np.maximum(lead_time_days - available_days, 0.0)
    fit: FloatArray = np.exp(-days_late / params.lead_time_scale_days)
    return fit


def kbli_levels(encoding: DemandEncoding, candidates: Candidates) -> IntArray:
    if not encoding.demand.kbli_codes:
        return np.full(len(candidates), KbliLevel.UNKNOWN, dtype=np.int64)
    level = np.full(len(candidates), KbliLevel.NONE, dtype=np.int64)
    level[intersects(candidates.kbli_divisions, encoding.kbli_divisions)] = KbliLevel.DIVISION
    level[intersects(candidates.kbli, encoding.kbli)] = KbliLevel.CODE
    return level


def sector_alignment(level: IntArray, params: Params) -> FloatArray:
    by_level = np.array([0.0, params.division_fit, 1.0, NEUTRAL])  # index -1 is UNKNOWN
    fit: FloatArray = by_level[level]
    return fit


def track_record(completed: IntArray, on_time: IntArray, params: Params) -> FloatArray:
    on_time_clipped = np.clip(on_time, 0, np.maximum(completed, 0))
    fit: FloatArray = (on_time_clipped + params.prior_on_time) / (
        np.maximum(completed, 0) + params.prior_on_time + params.prior_late
    )
    return fit


def spreading(load: IntArray, params: Params) -> FloatArray:
    fit: FloatArray = 1.0 / (1.0 + np.maximum(load, 0) / params.spread_scale)
    return fit


def factor_values(
    encoding: DemandEncoding, candidates: Candidates, check: ConstraintCheck, params: Params
) -> FactorValues:
    converted = candidates.free_capacity * encoding.conversion_factors[candidates.capacity_unit]
    km = distance_km(encoding, candidates)
    level = kbli_levels(encoding, candidates)
    columns = {
        "component_fit": component_fit(check, params),
        "capacity_fit": capacity_fit(converted, encoding.demand.quantity),
        "process_coverage": process_coverage(encoding, candidates, check),
        "material_match": material_match(check),
        "preferred_certifications": preferred_certifications(encoding, candidates),
        "distance": distance(km, params),
        "lead_time": lead_time(candidates.lead_time_days, encoding.available_days, params),
        "sector_alignment": sector_alignment(level, params),
        "track_record": track_record(candidates.completed, candidates.on_time, params),
        "spreading": spreading(candidates.load, params),
    }
    values = np.column_stack([columns[factor] for factor in FACTORS]).astype(np.float64)
    return FactorValues(values=values, converted_capacity=converted, km=km, kbli_level=level)
