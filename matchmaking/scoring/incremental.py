"""One supplier's capability rows against many demands at once (the incremental rescore).

Calling :func:`~.engine.rank_demand` once per demand costs most of a millisecond of numpy
overhead per call, whatever the number of rows. :func:`rank_supplier` instead takes the
demands of each category (with the same related categories) together and computes
constraints and factors in one broadcast over (demands × rows of the category and its
related ones); each demand's :class:`~.engine.Ranking` holds views into those
arrays, and its :class:`~.evaluation.Evaluation` (with the demand's encoding) is built
only when read.

The broadcast repeats the formulas of :mod:`.constraints`, :mod:`.factors` and
:func:`.geo.haversine_km` operation by operation, so every value is bit for bit what
``rank_demand`` computes; the tests hold the two paths equal on random data. Whether a
demand is scored with the shortfall weights depends on every candidate, so the caller
passes it in (``shortfall``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from itertools import count
from operator import attrgetter
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .config import (
    DEFAULT_PARAMS,
    DEFAULT_WEIGHTS,
    FACTORS,
    NEUTRAL,
    Params,
    normalise_weights,
    shortfall_weights,
)
from .constraints import ConstraintCheck, MaterialState, near_misses, processes_assumed
from .encoding import encode_demand
from .evaluation import Evaluation, contributions_micro
from .factors import MATERIAL_FIT, FactorValues, KbliLevel, distance, sector_alignment
from .factors import spreading as spreading_fit
from .factors import track_record as track_record_fit
from .geo import EARTH_RADIUS_KM
from .inputs import (
    BoolArray,
    Candidates,
    DemandSpec,
    FloatArray,
    IntArray,
    Vocabularies,
    kbli_division,
)
from .ranking import Ranking
from .units import conversion_table
from .vocab import Mask, Vocabulary, intersects, missing_bits, popcount

H = TypeVar("H", bound=Hashable)
G = TypeVar("G", bound=np.generic)


def _distinct_rows(values: Iterable[H], encode: Callable[[H], npt.NDArray[G]]) -> npt.NDArray[G]:
    """``encode(value)`` for each of ``values``, stacked; equal values are encoded once."""
    numbers: defaultdict[H, int] = defaultdict(count().__next__)  # numbered as first seen
    index = np.fromiter(map(numbers.__getitem__, values), dtype=np.intp)
    table = np.stack([encode(value) for value in numbers])
    rows: npt.NDArray[G] = table[index]
    return rows


def _columns_of(vocabulary: Vocabulary) -> Callable[[frozenset[int]], BoolArray]:
    """Encodes a set of certification ids as a boolean row over the vocabulary."""

    def encode(keys: frozenset[int]) -> BoolArray:
        row = np.zeros(len(vocabulary), dtype=np.bool_)
        row[[vocabulary.position(key) for key in keys]] = True
        return row

    return encode


def _material_of(vocabulary: Vocabulary) -> Callable[[int | None], Mask]:
    def encode(material_id: int | None) -> Mask:
        return vocabulary.encode(() if material_id is None else (material_id,))

    return encode


def _divisions_of(vocabulary: Vocabulary) -> Callable[[frozenset[str]], Mask]:
    def encode(codes: frozenset[str]) -> Mask:
        return vocabulary.encode({kbli_division(code) for code in codes}, ignore_unknown=True)

    return encode


def _conversion_factors(key: tuple[str, str, float | None]) -> FloatArray:
    unit, type_unit, unit_weight_kg = key
    return conversion_table(unit, item_unit=type_unit, unit_weight_kg=unit_weight_kg)[0]


@dataclass(frozen=True, eq=False)
class DemandColumns:
    """What :func:`~.encoding.encode_demand` gives, for many demands (axis 0)."""

    component_type_id: IntArray
    quantity: FloatArray
    latitude: FloatArray
    """NaN when unknown."""
    longitude: FloatArray
    type_processes: Mask
    required_processes: Mask
    has_material: BoolArray
    material_bit: Mask
    """Zero where no material is required."""
    mandatory: BoolArray
    """Shape ``(n, len(vocab.certifications))``: the mandatory certification columns."""
    preferred: BoolArray
    needed_by: IntArray
    available_days: IntArray
    has_kbli: BoolArray
    kbli: Mask
    kbli_divisions: Mask
    conversion_factors: FloatArray
    """Shape ``(n, len(UNITS))``."""

    @classmethod
    def encode(
        cls, demands: Sequence[DemandSpec], vocab: Vocabularies, *, as_of: date
    ) -> DemandColumns:
        """Raises ``ValueError`` where :func:`~.encoding.encode_demand` would."""

        def each(name: str) -> Iterable[Any]:
            return map(attrgetter(name), demands)

        def floats(name: str) -> FloatArray:
            return np.fromiter(each(name), dtype=np.float64, count=len(demands))

        needed_by = np.fromiter(
            (d.toordinal() for d in each("needed_by")), dtype=np.int64, count=len(demands)
        )
        type_processes = _distinct_rows(each("type_processes"), vocab.processes.encode)
        certifications = _columns_of(vocab.certifications)
        return cls(
            component_type_id=np.fromiter(
                each("component_type_id"), dtype=np.int64, count=len(demands)
            ),
            quantity=floats("quantity"),
            latitude=floats("latitude"),
            longitude=floats("longitude"),
            type_processes=type_processes,
            required_processes=_distinct_rows(each("required_processes"), vocab.processes.encode),
            has_material=np.fromiter(
                (m is not None for m in each("material_id")), dtype=np.bool_, count=len(demands)
            ),
            material_bit=_distinct_rows(each("material_id"), _material_of(vocab.materials)),
            mandatory=_distinct_rows(each("mandatory_certifications"), certifications),
            preferred=_distinct_rows(each("preferred_certifications"), certifications),
            needed_by=needed_by,
            available_days=needed_by - as_of.toordinal(),
            has_kbli=np.fromiter(map(bool, each("kbli_codes")), dtype=np.bool_, count=len(demands)),
            kbli=_distinct_rows(
                each("kbli_codes"), partial(vocab.kbli.encode, ignore_unknown=True)
            ),
            kbli_divisions=_distinct_rows(each("kbli_codes"), _divisions_of(vocab.kbli_divisions)),
            conversion_factors=_distinct_rows(
                map(attrgetter("unit", "type_unit", "unit_weight_kg"), demands),
                _conversion_factors,
            ),
        )


def _haversine_km(rows: Candidates, demands: DemandColumns) -> FloatArray:
    """:func:`.geo.haversine_km` from each row (axis 1) to each demand's plant (axis 0)."""
    lat1 = np.radians(rows.latitude)
    lat2 = np.radians(demands.latitude)[:, None]
    half_dlat = (lat2 - lat1) / 2.0
    half_dlon = np.radians(demands.longitude[:, None] - rows.longitude) / 2.0
    a = np.sin(half_dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(half_dlon) ** 2
    km: FloatArray = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return km


def _check(rows: Candidates, demands: DemandColumns, category_id: int) -> ConstraintCheck:
    """:func:`.constraints.check_constraints` over (demands × rows) for demands of the
    category ``category_id``, without ``mandatory_valid_until`` (ragged; taken per demand
    when an evaluation is built)."""
    exact = demands.component_type_id[:, None] == rows.component_type_id
    related = np.broadcast_to(rows.category_id != category_id, exact.shape)
    # .constraints.effective_processes: declared, or the type's for an exact row without any
    assumed = processes_assumed(exact, rows.processes)
    effective = np.where(assumed[:, :, None], demands.type_processes[:, None], rows.processes)
    missing = missing_bits(effective, demands.required_processes[:, None])
    declares_any = rows.materials.any(axis=1)
    material = np.full(exact.shape, MaterialState.MISMATCH, dtype=np.int64)
    material[intersects(rows.materials, demands.material_bit[:, None])] = MaterialState.DECLARED
    material[exact & ~declares_any] = MaterialState.UNDECLARED
    material[~demands.has_material] = MaterialState.NOT_REQUIRED
    expired = (rows.cert_valid_until < demands.needed_by[:, None, None]) & demands.mandatory[
        :, None
    ]
    failed = (
        (~rows.verified_active).astype(np.int64)
        + popcount(missing)
        + (material == MaterialState.MISMATCH)
        + expired.sum(axis=2)
        + (rows.free_capacity <= 0)
    )
    return ConstraintCheck(
        exact_type=exact,
        related=related,
        missing_processes=missing,
        material=material,
        mandatory_valid_until=np.empty((0, 0), dtype=np.int64),
        failed_items=failed,
        feasible=(failed == 0) & ~related,
        near_miss=near_misses(rows.verified_active, failed, related),
    )


def _factors(
    rows: Candidates, demands: DemandColumns, check: ConstraintCheck, params: Params
) -> FactorValues:
    """:func:`.factors.factor_values` over (demands × rows): values of shape
    ``(demands, rows, len(FACTORS))``."""
    shape = check.exact_type.shape
    converted = rows.free_capacity * demands.conversion_factors[:, rows.capacity_unit]
    capacity = np.where(
        np.isnan(converted),
        NEUTRAL,
        np.minimum(np.maximum(converted, 0.0) / demands.quantity[:, None], 1.0),
    )
    required = popcount(demands.required_processes)[:, None]
    uncovered = popcount(check.missing_processes)
    coverage = np.where(required == 0, 1.0, (required - uncovered) / np.maximum(required, 1))
    preferred_count = demands.preferred.sum(axis=1)[:, None]
    preferred_valid = (
        (rows.cert_valid_until >= demands.needed_by[:, None, None]) & demands.preferred[:, None]
    ).sum(axis=2)
    preferred = np.where(
        preferred_count == 0, 1.0, preferred_valid / np.maximum(preferred_count, 1)
    )
    km = _haversine_km(rows, demands)
    days_late = np.maximum(rows.lead_time_days - demands.available_days[:, None], 0.0)
    level = np.full(shape, KbliLevel.NONE, dtype=np.int64)
    level[intersects(rows.kbli_divisions, demands.kbli_divisions[:, None])] = KbliLevel.DIVISION
    level[intersects(rows.kbli, demands.kbli[:, None])] = KbliLevel.CODE
    level[~demands.has_kbli] = KbliLevel.UNKNOWN
    columns = {
        "component_fit": np.where(
            check.exact_type,
            1.0,
            np.where(check.related, params.related_type_fit, params.inferred_type_fit),
        ),
        "capacity_fit": capacity,
        "process_coverage": coverage,
        "material_match": MATERIAL_FIT[check.material],
        "preferred_certifications": preferred,
        "distance": distance(km, params),
        "lead_time": np.exp(-days_late / params.lead_time_scale_days),
        "sector_alignment": sector_alignment(level, params),
        "track_record": track_record_fit(rows.completed, rows.on_time, params),
        "spreading": spreading_fit(rows.load, params),
    }
    values = np.stack(
        [np.broadcast_to(columns[factor], shape) for factor in FACTORS], axis=-1
    ).astype(np.float64)
    return FactorValues(values=values, converted_capacity=converted, km=km, kbli_level=level)


def _ranked_rows(selected: BoolArray, score: IntArray, rows: Candidates) -> list[IntArray]:
    """Per demand (axis 0), as :func:`~.engine.rank_demand` ranks ``selected`` rows: each
    supplier's best row (higher score, then lower capability id, then earlier row), best
    first (higher score, then lower supplier id)."""
    n = len(rows)
    same_supplier = rows.supplier_id[:, None] == rows.supplier_id
    order = np.arange(n)
    first = (rows.capability_id[:, None] < rows.capability_id) | (
        (rows.capability_id[:, None] == rows.capability_id) & (order[:, None] < order)
    )
    other, this = score[:, :, None], score[:, None, :]
    # beaten[d, r', r]: row r' of the same supplier ranks above row r for demand d
    beaten = selected[:, :, None] & same_supplier & ((other > this) | ((other == this) & first))
    best = selected & ~beaten.any(axis=1)
    suppliers = np.broadcast_to(rows.supplier_id, score.shape)
    ranked = np.lexsort((suppliers, -score, ~best), axis=-1).astype(np.int64)
    return [row[:count] for row, count in zip(ranked, best.sum(axis=1).tolist(), strict=True)]


@dataclass(frozen=True, eq=False)
class _Block:
    """The arrays of one category's demands (axis 0) against its rows (axis 1)."""

    demands: Sequence[DemandSpec]
    rows: Candidates
    as_of: date
    weights: Sequence[Mapping[str, float]]
    """Per demand: the normalised weights, or the shortfall weights."""
    check: ConstraintCheck
    factors: FactorValues
    contributions_micro: IntArray
    score_micro: IntArray

    def evaluation(self, position: int) -> Evaluation:
        """The :func:`~.evaluation.evaluate` result of the demand at ``position``."""
        encoding = encode_demand(self.demands[position], self.rows.vocab, as_of=self.as_of)
        check, factors = self.check, self.factors
        return Evaluation(
            encoding=encoding,
            candidates=self.rows,
            weights=self.weights[position],
            check=ConstraintCheck(
                exact_type=check.exact_type[position],
                related=check.related[position],
                missing_processes=check.missing_processes[position],
                material=check.material[position],
                mandatory_valid_until=self.rows.cert_valid_until[:, encoding.mandatory_columns],
                failed_items=check.failed_items[position],
                feasible=check.feasible[position],
                near_miss=check.near_miss[position],
            ),
            factors=FactorValues(
                values=factors.values[position],
                converted_capacity=factors.converted_capacity[position],
                km=factors.km[position],
                kbli_level=factors.kbli_level[position],
            ),
            contributions_micro=self.contributions_micro[position],
            score_micro=self.score_micro[position],
        )


def _rank_category(
    demands: Sequence[DemandSpec],
    rows: Candidates,
    block: IntArray,
    *,
    as_of: date,
    weights: Sequence[dict[str, float]],
    shortfall: Sequence[bool],
    params: Params,
) -> list[Ranking]:
    columns = DemandColumns.encode(demands, rows.vocab, as_of=as_of)
    check = _check(rows, columns, demands[0].category_id)
    factors = _factors(rows, columns, check, params)
    weight_rows = np.array(
        [[demand_weights[factor] for factor in FACTORS] for demand_weights in weights],
        dtype=np.float64,
    )
    micro = contributions_micro(factors.values, weight_rows[:, None, :])
    score = micro.sum(axis=-1, dtype=np.int64)
    scored = _Block(demands, rows, as_of, weights, check, factors, micro, score)
    feasible_supplier = (
        check.feasible[:, :, None] & (rows.supplier_id[:, None] == rows.supplier_id)
    ).any(axis=1)
    matches = _ranked_rows(check.feasible, score, rows)
    near = _ranked_rows(check.near_miss & ~feasible_supplier, score, rows)
    return [
        Ranking(
            demand_id=demand.demand_id,
            block=block,
            score_micro=demand_score,
            match_rows=match_rows,
            near_rows=near_rows,
            evaluate=partial(scored.evaluation, position),
            shortfall=short,
        )
        for position, (demand, demand_score, match_rows, near_rows, short) in enumerate(
            zip(demands, score, matches, near, shortfall, strict=True)
        )
    ]


def rank_supplier(
    demands: Sequence[DemandSpec],
    candidates: Candidates,
    *,
    as_of: date,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    params: Params = DEFAULT_PARAMS,
    shortfall: Collection[int] = (),
) -> list[Ranking]:
    """For each demand in order, what ``rank_demand(demand, candidates, k=None,
    near_miss_k=None)`` returns, computed for all demands at once.

    Whether a demand is short (no feasible row covers its quantity) depends on every
    candidate, not only on these rows: the caller says which demands are, by id, in
    ``shortfall`` (the stored state), and checks whether these rows change it.

    Meant for a few rows (one supplier's capabilities): the cost grows with the square of
    the rows per category. Rankings of one category share their ``block`` and candidate
    arrays; treat them as read-only.
    """
    normalised = normalise_weights(weights)
    short_weights = shortfall_weights(weights, params.shortfall_capacity_weight)
    short_ids = set(shortfall)
    by_block: dict[tuple[int, frozenset[int]], list[int]] = {}
    for position, demand in enumerate(demands):
        key = (demand.category_id, demand.related_category_ids)
        by_block.setdefault(key, []).append(position)
    rankings: dict[int, Ranking] = {}
    for (category_id, related), positions in by_block.items():
        categories = np.array(sorted({category_id, *related}), dtype=np.int64)
        block = np.flatnonzero(np.isin(candidates.category_id, categories)).astype(np.int64)
        short = [demands[p].demand_id in short_ids for p in positions]
        ranked = _rank_category(
            [demands[p] for p in positions],
            candidates.take(block),
            block,
            as_of=as_of,
            weights=[short_weights if s else normalised for s in short],
            shortfall=short,
            params=params,
        )
        rankings.update(zip(positions, ranked, strict=True))
    return [rankings[position] for position in range(len(demands))]
