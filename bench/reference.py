"""A plain-Python reference of the scoring engine (loops, ``math``, no numpy).

It restates the rules of ``matchmaking.scoring`` independently, row by row, so tests and
the benchmark can prove the vectorised engine right:

- :func:`reference_evaluate` checks and scores every row of the demand's category;
- :func:`reference_rank` keeps each supplier's best row and sorts (score desc, supplier
  id asc), returning the top ``k`` matches and near misses.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from matchmaking.scoring.config import DEFAULT_PARAMS, Params
from matchmaking.scoring.inputs import CapabilityRow, DemandSpec

FACTORS = (
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
NEUTRAL = 0.5
MASS_KG = {"kg": 1.0, "ton": 1000.0}
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class RowScore:
    supplier_id: int
    capability_id: int
    failed_items: int
    failure_codes: tuple[str, ...]
    values: tuple[float, ...]
    contributions_micro: tuple[int, ...]
    score_micro: int
    related: bool = False
    """A row of a related category (never feasible; a near miss failing at most one item)."""
    covers: bool = False
    """Free capacity, in the demand's unit, at least the demand's quantity."""

    @property
    def feasible(self) -> bool:
        return self.failed_items == 0 and not self.related

    @property
    def near_miss(self) -> bool:
        if self.failure_codes[:1] == ("not_verified",):
            return False
        return self.failed_items == 1 or (self.related and self.failed_items == 0)


def conversion_factor(source: str, demand: DemandSpec) -> float | None:
    target = demand.unit
    if source == target:
        return 1.0
    if source in MASS_KG and target in MASS_KG:
        return MASS_KG[source] / MASS_KG[target]
    weight = demand.unit_weight_kg
    if weight and demand.type_unit in ("pcs", "set"):
        if source == demand.type_unit and target in MASS_KG:
            return weight / MASS_KG[target]
        if target == demand.type_unit and source in MASS_KG:
            return MASS_KG[source] / weight
    return None


def haversine(lat: float, lon: float, to_lat: float, to_lon: float) -> float:
    lat1, lat2 = math.radians(lat), math.radians(to_lat)
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = math.radians(to_lon - lon) / 2.0
    a = math.sin(half_dlat) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(half_dlon) ** 2
    return 2.0 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def is_valid(row: CapabilityRow, certification: int, needed_by: date) -> bool:
    if certification not in row.certifications:
        return False
    valid_until = row.certifications[certification]
    return valid_until is None or valid_until >= needed_by


def reference_row(
    demand: DemandSpec,
    row: CapabilityRow,
    *,
    as_of: date,
    weights: Mapping[str, float],
    params: Params,
) -> RowScore:
    exact = row.component_type_id == demand.component_type_id
    related = row.category_id != demand.category_id
    # the demand's own process list, or its type's when it lists none (issue 11)
    required = demand.extra_processes or demand.type_processes
    # declared processes; only an exact-type row declaring none is assumed to do its type's
    effective = row.processes or (demand.type_processes if exact else frozenset())
    missing = required - effective
    if demand.material_id is None:
        material = "not_required"
    elif demand.material_id in row.materials:
        material = "declared"
    elif exact and not row.materials:
        material = "undeclared"
    else:
        material = "mismatch"
    invalid = [c for c in demand.mandatory_certifications if not is_valid(row, c, demand.needed_by)]
    codes = []
    if not row.verified_active:
        codes.append("not_verified")
    codes += ["missing_process"] * len(missing)
    if material == "mismatch":
        codes.append("material_mismatch")
    codes += ["certification"] * len(invalid)
    if row.free_capacity <= 0:
        codes.append("no_free_capacity")

    factor = conversion_factor(row.capacity_unit, demand)
    if factor is None:
        capacity = NEUTRAL
    else:
        capacity = min(max(row.free_capacity * factor, 0.0) / demand.quantity, 1.0)
    coverage = (len(required) - len(missing)) / len(required) if required else 1.0
    preferred = demand.preferred_certifications
    preferred_share = (
        sum(is_valid(row, c, demand.needed_by) for c in preferred) / len(preferred)
        if preferred
        else 1.0
    )
    if None in (demand.latitude, demand.longitude, row.latitude, row.longitude):
        distance = NEUTRAL
    else:
        km = haversine(row.latitude, row.longitude, demand.latitude, demand.longitude)  # type: ignore[arg-type]
        distance = math.exp(-km / params.distance_length_km)
    days_late = max(row.lead_time_days - (demand.needed_by - as_of).days, 0)
    if not demand.kbli_codes:
        sector = NEUTRAL
    elif row.kbli_codes & demand.kbli_codes:
        sector = 1.0
    elif {c[:2] for c in row.kbli_codes} & {c[:2] for c in demand.kbli_codes}:
        sector = params.division_fit
    else:
        sector = 0.0
    completed = max(row.completed, 0)
    on_time = min(max(row.on_time, 0), completed)
    values = {
        "component_fit": 1.0
        if exact
        else (params.related_type_fit if related else params.inferred_type_fit),
        "capacity_fit": capacity,
        "process_coverage": coverage,
        "material_match": {"not_required": 1.0, "declared": 1.0, "undeclared": NEUTRAL}.get(
            material, 0.0
        ),
        "preferred_certifications": preferred_share,
        "distance": distance,
        "lead_time": math.exp(-days_late / params.lead_time_scale_days),
        "sector_alignment": sector,
        "track_record": (on_time + params.prior_on_time)
        / (completed + params.prior_on_time + params.prior_late),
        "spreading": 1.0 / (1.0 + max(row.load, 0) / params.spread_scale),
    }
    contributions = _contributions(values, _shares(weights))
    return RowScore(
        supplier_id=row.supplier_id,
        capability_id=row.capability_id,
        failed_items=len(codes),
        failure_codes=tuple(codes),
        values=tuple(values[f] for f in FACTORS),
        contributions_micro=contributions,
        score_micro=sum(contributions),
        related=related,
        covers=factor is not None and row.free_capacity * factor >= demand.quantity,
    )


def _shares(weights: Mapping[str, float]) -> dict[str, float]:
    total = math.fsum(weights.get(f, 0.0) for f in FACTORS)
    return {f: weights.get(f, 0.0) / total for f in FACTORS}


def _contributions(values: Mapping[str, float], shares: Mapping[str, float]) -> tuple[int, ...]:
    return tuple(round(values[f] * shares[f] * 1_000_000) for f in FACTORS)


def short_weights(weights: Mapping[str, float], params: Params) -> dict[str, float]:
    """When nobody covers the quantity, capacity weighs ``shortfall_capacity_weight`` of the
    total (unless it weighs more already) and the other factors share the rest as before."""
    share = _shares(weights)
    target = params.shortfall_capacity_weight
    if share["capacity_fit"] >= target:
        return share
    scale = (1.0 - target) / (1.0 - share["capacity_fit"])
    return {f: target if f == "capacity_fit" else w * scale for f, w in share.items()}


def reference_evaluate(
    demand: DemandSpec,
    rows: Sequence[CapabilityRow],
    *,
    as_of: date,
    weights: Mapping[str, float],
    params: Params = DEFAULT_PARAMS,
) -> list[RowScore]:
    """Every row of the demand's category and of its related categories, checked and
    scored, in input order; scored with :func:`short_weights` when no feasible row covers
    the quantity."""
    categories = {demand.category_id, *demand.related_category_ids}
    scores = [
        reference_row(demand, row, as_of=as_of, weights=weights, params=params)
        for row in rows
        if row.category_id in categories
    ]
    if any(s.feasible and s.covers for s in scores):
        return scores
    short = short_weights(weights, params)
    rescored = []
    for score in scores:
        contributions = _contributions(dict(zip(FACTORS, score.values, strict=True)), short)
        rescored.append(
            replace(score, contributions_micro=contributions, score_micro=sum(contributions))
        )
    return rescored


def _best_per_supplier(scores: list[RowScore]) -> list[RowScore]:
    best: dict[int, RowScore] = {}
    for score in scores:
        current = best.get(score.supplier_id)
        if current is None or (-score.score_micro, score.capability_id) < (
            -current.score_micro,
            current.capability_id,
        ):
            best[score.supplier_id] = score
    return sorted(best.values(), key=lambda s: (-s.score_micro, s.supplier_id))


def reference_rank(
    scores: list[RowScore], k: int | None = None
) -> tuple[list[RowScore], list[RowScore]]:
    """(top-k matches, top-k near misses), one row per supplier, best first."""
    feasible = [s for s in scores if s.feasible]
    matched = {s.supplier_id for s in feasible}
    near = [s for s in scores if s.near_miss and s.supplier_id not in matched]
    matches, near_misses = _best_per_supplier(feasible), _best_per_supplier(near)
    if k is not None:
        matches, near_misses = matches[:k], near_misses[:k]
    return matches, near_misses
