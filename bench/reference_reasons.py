"""A row-by-row reference of the reasons (loops over one row's arrays, no facts).

It restates independently how :mod:`matchmaking.scoring.reasons` explains a row, straight
from an evaluation's arrays, so the tests can prove that the reasons built from the compact
stored facts are exactly the reasons of the row:

- :func:`reference_failures` lists the hard constraints a row fails;
- :func:`reference_reasons` gives one reason per aspect of its score.
"""

from __future__ import annotations

import math

from matchmaking.scoring.constraints import ConstraintCheck, MaterialState, held
from matchmaking.scoring.encoding import DemandEncoding
from matchmaking.scoring.evaluation import Evaluation
from matchmaking.scoring.factors import FactorValues, KbliLevel
from matchmaking.scoring.inputs import Candidates
from matchmaking.scoring.reasons import ParamValue, Reason, ReasonCode
from matchmaking.scoring.units import UNITS, Conversion


def reference_failures(evaluation: Evaluation, row: int) -> tuple[Reason, ...]:
    """The hard constraints row ``row`` fails (empty for a feasible row)."""
    return failures(evaluation.encoding, evaluation.candidates, evaluation.check, row)


def reference_reasons(evaluation: Evaluation, row: int) -> tuple[Reason, ...]:
    """One reason per aspect of the score of row ``row``, in the order of the factors."""
    e = evaluation
    return explanations(e.encoding, e.candidates, e.check, e.factors, row)


def _ids(values: list[int | str]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def failures(
    encoding: DemandEncoding, candidates: Candidates, check: ConstraintCheck, row: int
) -> tuple[Reason, ...]:
    """The hard constraints row ``row`` fails (empty for a feasible row)."""
    found: list[Reason] = []
    if not candidates.verified_active[row]:
        found.append(Reason(ReasonCode.NOT_VERIFIED))
    missing = _ids(candidates.vocab.processes.decode(check.missing_processes[row]))
    if missing:
        found.append(Reason(ReasonCode.MISSING_PROCESS, {"process_ids": missing}))
    if check.material[row] == MaterialState.MISMATCH:
        found.append(
            Reason(ReasonCode.MATERIAL_MISMATCH, {"material_id": encoding.demand.material_id})
        )
    valid_until = check.mandatory_valid_until[row]
    ids = encoding.mandatory_ids
    is_held = held(valid_until)
    not_held = tuple(c for c, h in zip(ids, is_held, strict=True) if not h)
    expired = tuple(
        c for c, h, v in zip(ids, is_held, valid_until, strict=True) if h and v < encoding.needed_by
    )
    if not_held:
        found.append(Reason(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": not_held}))
    if expired:
        found.append(Reason(ReasonCode.EXPIRED_CERTIFICATION, {"certification_ids": expired}))
    if candidates.free_capacity[row] <= 0:
        found.append(Reason(ReasonCode.NO_FREE_CAPACITY, {"shortfall_pct": 100}))
    if check.related[row] and not found:
        type_id = int(candidates.component_type_id[row])
        found.append(Reason(ReasonCode.RELATED_TYPE, {"component_type_id": type_id}))
    return tuple(found)


def _round(value: float, digits: int) -> float:
    return float(round(value, digits))


def capacity_reason(
    encoding: DemandEncoding, candidates: Candidates, converted: float, row: int
) -> Reason:
    demand = encoding.demand
    unit_index = int(candidates.capacity_unit[row])
    free = float(candidates.free_capacity[row])
    if math.isnan(converted):
        return Reason(
            ReasonCode.CAPACITY_INCOMPARABLE,
            {"free": _round(free, 3), "unit": UNITS[unit_index], "demand_unit": demand.unit},
        )
    kind = encoding.conversions[unit_index]
    params: dict[str, ParamValue] = {
        "free": _round(free, 3),
        "unit": UNITS[unit_index],
        "converted": _round(converted, 3),
        "demand_unit": demand.unit,
        "quantity": _round(demand.quantity, 3),
        "coverage_pct": _round(100.0 * max(converted, 0.0) / demand.quantity, 1),
        "conversion": kind.value,
    }
    if kind is Conversion.UNIT_WEIGHT:
        params["unit_weight_kg"] = demand.unit_weight_kg
    return Reason(ReasonCode.CAPACITY, params)


def _certification_reason(encoding: DemandEncoding, candidates: Candidates, row: int) -> Reason:
    ids = encoding.mandatory_ids + tuple(
        c for c in encoding.preferred_ids if c not in encoding.mandatory_ids
    )
    if not ids:
        return Reason(ReasonCode.NO_CERTIFICATION_REQUIRED)
    columns = [candidates.vocab.certifications.position(c) for c in ids]
    valid = candidates.cert_valid_until[row, columns] >= encoding.needed_by
    return Reason(
        ReasonCode.CERTIFICATIONS,
        {
            "valid_ids": tuple(c for c, v in zip(ids, valid, strict=True) if v),
            "lacking_ids": tuple(c for c, v in zip(ids, valid, strict=True) if not v),
        },
    )


def explanations(
    encoding: DemandEncoding,
    candidates: Candidates,
    check: ConstraintCheck,
    factors: FactorValues,
    row: int,
) -> tuple[Reason, ...]:
    """One reason per aspect of the score of row ``row``, in the order of the factors."""
    demand = encoding.demand
    reasons: list[Reason] = []
    if check.exact_type[row]:
        reasons.append(Reason(ReasonCode.EXACT_TYPE))
    else:
        code = ReasonCode.RELATED_TYPE if check.related[row] else ReasonCode.INFERRED_TYPE
        reasons.append(Reason(code, {"component_type_id": int(candidates.component_type_id[row])}))
    reasons.append(
        capacity_reason(encoding, candidates, float(factors.converted_capacity[row]), row)
    )
    required = demand.required_processes
    if required:
        declared = set(_ids(candidates.vocab.processes.decode(candidates.processes[row])))
        assumed = bool(check.exact_type[row]) and not declared
        effective = set(demand.type_processes) if assumed else declared
        params: dict[str, ParamValue] = {
            "covered": len(required & effective),
            "required": len(required),
            "missing_ids": tuple(sorted(required - effective)),
        }
        if assumed:
            params["assumed"] = 1
        reasons.append(Reason(ReasonCode.PROCESSES, params))
    else:
        reasons.append(Reason(ReasonCode.NO_PROCESS_REQUIRED))
    material = {
        MaterialState.NOT_REQUIRED: ReasonCode.NO_MATERIAL_REQUIRED,
        MaterialState.DECLARED: ReasonCode.MATERIAL_DECLARED,
        MaterialState.UNDECLARED: ReasonCode.MATERIAL_UNDECLARED,
        MaterialState.MISMATCH: ReasonCode.MATERIAL_MISMATCH,
    }[MaterialState(int(check.material[row]))]
    reasons.append(
        Reason(material)
        if material is ReasonCode.NO_MATERIAL_REQUIRED
        else Reason(material, {"material_id": demand.material_id})
    )
    reasons.append(_certification_reason(encoding, candidates, row))
    km = float(factors.km[row])
    reasons.append(
        Reason(ReasonCode.DISTANCE_UNKNOWN)
        if math.isnan(km)
        else Reason(ReasonCode.DISTANCE, {"km": _round(km, 1)})
    )
    lead = int(candidates.lead_time_days[row])
    late = lead - encoding.available_days
    reasons.append(
        Reason(ReasonCode.LEAD_TIME_LATE, {"lead_time_days": lead, "days_late": late})
        if late > 0
        else Reason(
            ReasonCode.LEAD_TIME_FITS,
            {"lead_time_days": lead, "available_days": encoding.available_days},
        )
    )
    reasons.append(
        Reason(
            {
                KbliLevel.CODE: ReasonCode.KBLI_SAME_CODE,
                KbliLevel.DIVISION: ReasonCode.KBLI_SAME_DIVISION,
                KbliLevel.NONE: ReasonCode.KBLI_NO_OVERLAP,
                KbliLevel.UNKNOWN: ReasonCode.KBLI_UNKNOWN,
            }[KbliLevel(int(factors.kbli_level[row]))]
        )
    )
    completed = int(candidates.completed[row])
    reasons.append(
        Reason(
            ReasonCode.TRACK_RECORD,
            {"on_time": min(int(candidates.on_time[row]), completed), "completed": completed},
        )
        if completed > 0
        else Reason(ReasonCode.NO_TRACK_RECORD)
    )
    reasons.append(Reason(ReasonCode.CURRENT_LOAD, {"load": int(candidates.load[row])}))
    return tuple(reasons)
