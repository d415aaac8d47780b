"""Structured reasons: a code plus JSON-friendly parameters, rendered to text by
:mod:`~matchmaking.scoring.texts` in Indonesian or English.

Store ``reason.as_dict()`` and rebuild with :meth:`Reason.from_dict` to re-render later in
another language or with updated catalogue names.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from .constraints import MaterialState
from .evaluation import Evaluation
from .factors import KbliLevel
from .facts import (
    EXACT_TYPE,
    NO_FREE_CAPACITY,
    PROCESSES_ASSUMED,
    PROCESSES_CHECKED,
    RELATED_CATEGORY,
    VERIFIED_ACTIVE,
    DemandContext,
    Facts,
    FactsRow,
    demand_context,
    row_facts,
)
from .units import UNITS, Conversion

ParamValue = int | float | str | tuple[int, ...] | None


class ReasonCode(StrEnum):
    # hard-constraint failures
    NOT_VERIFIED = "not_verified"
    MISSING_PROCESS = "missing_process"
    MATERIAL_MISMATCH = "material_mismatch"
    MISSING_CERTIFICATION = "missing_certification"
    EXPIRED_CERTIFICATION = "expired_certification"
    NO_FREE_CAPACITY = "no_free_capacity"
    RELATED_TYPE = "related_type"
    """A type of a related category: the failure of a related near miss that fails nothing
    else, and the component-fit reason of every related row."""
    # explanations of the factors
    EXACT_TYPE = "exact_type"
    INFERRED_TYPE = "inferred_type"
    CAPACITY = "capacity"
    CAPACITY_INCOMPARABLE = "capacity_incomparable"
    PROCESSES = "processes"
    NO_PROCESS_REQUIRED = "no_process_required"
    MATERIAL_DECLARED = "material_declared"
    MATERIAL_UNDECLARED = "material_undeclared"
    NO_MATERIAL_REQUIRED = "no_material_required"
    CERTIFICATIONS = "certifications"
    NO_CERTIFICATION_REQUIRED = "no_certification_required"
    DISTANCE = "distance"
    DISTANCE_UNKNOWN = "distance_unknown"
    LEAD_TIME_FITS = "lead_time_fits"
    LEAD_TIME_LATE = "lead_time_late"
    KBLI_SAME_CODE = "kbli_same_code"
    KBLI_SAME_DIVISION = "kbli_same_division"
    KBLI_NO_OVERLAP = "kbli_no_overlap"
    KBLI_UNKNOWN = "kbli_unknown"
    TRACK_RECORD = "track_record"
    NO_TRACK_RECORD = "no_track_record"
    CURRENT_LOAD = "current_load"


@dataclass(frozen=True)
class Reason:
    code: ReasonCode
    params: Mapping[str, ParamValue] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.params.items()}
        return {"code": self.code.value, "params": params}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Reason:
        raw = data.get("params") or {}
        if not isinstance(raw, Mapping):
            raise ValueError("params must be a mapping")
        params: dict[str, ParamValue] = {
            str(k): tuple(int(i) for i in v) if isinstance(v, list) else v for k, v in raw.items()
        }
        return cls(ReasonCode(str(data["code"])), params)


def _ids_where(ids: Sequence[int], bits: int, *, present: bool) -> tuple[int, ...]:
    return tuple(c for j, c in enumerate(ids) if bool(bits >> j & 1) is present)


def _capacity_reason(context: DemandContext, facts: Facts) -> Reason:
    unit = UNITS[facts.unit]
    if facts.converted is None:
        return Reason(
            ReasonCode.CAPACITY_INCOMPARABLE,
            {"free": facts.free, "unit": unit, "demand_unit": context["u"]},
        )
    kind = Conversion(context["cv"][facts.unit])
    params: dict[str, ParamValue] = {
        "free": facts.free,
        "unit": unit,
        "converted": facts.converted,
        "demand_unit": context["u"],
        "quantity": float(round(context["q"], 3)),
        "coverage_pct": facts.coverage_pct,
        "conversion": kind.value,
    }
    if kind is Conversion.UNIT_WEIGHT:
        params["unit_weight_kg"] = context["w"]
    return Reason(ReasonCode.CAPACITY, params)


MATERIAL_REASONS = {
    MaterialState.NOT_REQUIRED: ReasonCode.NO_MATERIAL_REQUIRED,
    MaterialState.DECLARED: ReasonCode.MATERIAL_DECLARED,
    MaterialState.UNDECLARED: ReasonCode.MATERIAL_UNDECLARED,
    MaterialState.MISMATCH: ReasonCode.MATERIAL_MISMATCH,
}
KBLI_REASONS = {
    KbliLevel.CODE: ReasonCode.KBLI_SAME_CODE,
    KbliLevel.DIVISION: ReasonCode.KBLI_SAME_DIVISION,
    KbliLevel.NONE: ReasonCode.KBLI_NO_OVERLAP,
    KbliLevel.UNKNOWN: ReasonCode.KBLI_UNKNOWN,
}


def _type_reason(facts: Facts) -> Reason:
    if facts.flags & EXACT_TYPE:
        return Reason(ReasonCode.EXACT_TYPE)
    code = ReasonCode.RELATED_TYPE if facts.flags & RELATED_CATEGORY else ReasonCode.INFERRED_TYPE
    return Reason(code, {"component_type_id": facts.component_type_id})


def reasons_from_facts(context: DemandContext, row: FactsRow) -> tuple[Reason, ...]:
    """One reason per aspect of the score of the row of these facts, in the order of the
    factors."""
    facts = Facts._make(row)
    reasons = [_type_reason(facts), _capacity_reason(context, facts)]
    required = context["rp"]
    missing = facts.missing_process_ids
    if required:
        processes: dict[str, ParamValue] = {
            "covered": required - len(missing),
            "required": required,
            "missing_ids": tuple(sorted(missing)),
        }
        if facts.flags & PROCESSES_ASSUMED:
            processes["assumed"] = 1  # none declared: the type's processes are assumed
        reasons.append(Reason(ReasonCode.PROCESSES, processes))
    else:
        reasons.append(Reason(ReasonCode.NO_PROCESS_REQUIRED))
    material = MATERIAL_REASONS[MaterialState(facts.material)]
    reasons.append(
        Reason(material)
        if material is ReasonCode.NO_MATERIAL_REQUIRED
        else Reason(material, {"material_id": context["m"]})
    )
    ids = context["c"]
    reasons.append(
        Reason(
            ReasonCode.CERTIFICATIONS,
            {
                "valid_ids": _ids_where(ids, facts.valid, present=True),
                "lacking_ids": _ids_where(ids, facts.valid, present=False),
            },
        )
        if ids
        else Reason(ReasonCode.NO_CERTIFICATION_REQUIRED)
    )
    reasons.append(
        Reason(ReasonCode.DISTANCE_UNKNOWN)
        if facts.km is None
        else Reason(ReasonCode.DISTANCE, {"km": facts.km})
    )
    lead = facts.lead_time_days
    late = lead - context["a"]
    reasons.append(
        Reason(ReasonCode.LEAD_TIME_LATE, {"lead_time_days": lead, "days_late": late})
        if late > 0
        else Reason(
            ReasonCode.LEAD_TIME_FITS, {"lead_time_days": lead, "available_days": context["a"]}
        )
    )
    reasons.append(Reason(KBLI_REASONS[KbliLevel(facts.kbli_level)]))
    reasons.append(
        Reason(ReasonCode.TRACK_RECORD, {"on_time": facts.on_time, "completed": facts.completed})
        if facts.completed > 0
        else Reason(ReasonCode.NO_TRACK_RECORD)
    )
    reasons.append(Reason(ReasonCode.CURRENT_LOAD, {"load": facts.load}))
    return tuple(reasons)


def failures_from_facts(context: DemandContext, row: FactsRow) -> tuple[Reason, ...]:
    """The hard constraints the row of these facts fails (empty for a feasible row)."""
    facts = Facts._make(row)
    found: list[Reason] = []
    if not facts.flags & VERIFIED_ACTIVE:
        found.append(Reason(ReasonCode.NOT_VERIFIED))
    # before issue 11 (no PROCESSES_CHECKED bit) an exact-type row never failed a process
    if facts.missing_process_ids and (
        facts.flags & PROCESSES_CHECKED or not facts.flags & EXACT_TYPE
    ):
        found.append(
            Reason(ReasonCode.MISSING_PROCESS, {"process_ids": tuple(facts.missing_process_ids)})
        )
    if facts.material == MaterialState.MISMATCH:
        found.append(Reason(ReasonCode.MATERIAL_MISMATCH, {"material_id": context["m"]}))
    mandatory = context["c"][: context["nm"]]
    not_held = _ids_where(mandatory, facts.held, present=False)
    expired = _ids_where(mandatory, facts.held & ~facts.valid, present=True)
    if not_held:
        found.append(Reason(ReasonCode.MISSING_CERTIFICATION, {"certification_ids": not_held}))
    if expired:
        found.append(Reason(ReasonCode.EXPIRED_CERTIFICATION, {"certification_ids": expired}))
    if facts.flags & NO_FREE_CAPACITY:
        found.append(Reason(ReasonCode.NO_FREE_CAPACITY, {"shortfall_pct": 100}))
    if facts.flags & RELATED_CATEGORY and not found:
        found.append(_type_reason(facts))
    return tuple(found)


def row_reasons(evaluation: Evaluation, row: int) -> tuple[Reason, ...]:
    """The reasons of row ``row`` of an evaluation (through its facts, as when stored)."""
    facts = row_facts(evaluation, np.array([row], dtype=np.int64))[0]
    return reasons_from_facts(demand_context(evaluation.encoding), facts)


def row_failures(evaluation: Evaluation, row: int) -> tuple[Reason, ...]:
    """The hard constraints row ``row`` of an evaluation fails (empty for a feasible row)."""
    facts = row_facts(evaluation, np.array([row], dtype=np.int64))[0]
    return failures_from_facts(demand_context(evaluation.encoding), facts)
