"""Compact explanation facts: the numbers reasons are made of, stored at scoring time.

Building :class:`~.reasons.Reason` objects for every stored row dominates a full rescore.
Instead, :func:`demand_context` keeps what the reasons need once per demand and
:func:`row_facts` extracts, with numpy over all kept rows at once, one short list of
numbers per row. Both survive ``json.loads(json.dumps(...))``;
:func:`~.reasons.reasons_from_facts` and :func:`~.reasons.failures_from_facts` build the
reasons from them at display time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple, NotRequired, TypedDict

import numpy as np
import numpy.typing as npt

from .constraints import held, processes_assumed
from .encoding import DemandEncoding
from .evaluation import Evaluation
from .inputs import FloatArray, IntArray
from .vocab import Key, Mask

# Bits of :attr:`Facts.flags`.
EXACT_TYPE = 1
VERIFIED_ACTIVE = 2
NO_FREE_CAPACITY = 4
PROCESSES_CHECKED = 8
"""Missing processes are failed items for every row, exact type included (issue 11).
Facts stored before carry no such bit: there an exact-type row's missing processes only
lowered its coverage."""
PROCESSES_ASSUMED = 16
"""An exact-type capability that declares no process: its type's processes are assumed."""
RELATED_CATEGORY = 32
"""A capability of a related (sibling) category: a near miss at best."""
FLOAT_DIGITS = np.array([3, 3, 1, 1], dtype=np.int64)
"""Decimals of free and converted capacity, coverage and km, as the reasons round them."""


class DemandContext(TypedDict):
    """Per-demand facts shared by all of the demand's rows."""

    q: float
    """Quantity, in ``u``."""
    u: str
    w: float | None
    """Unit weight in kg."""
    cv: list[str]
    """The :class:`~.units.Conversion` from each unit code into ``u``."""
    rp: int
    """Number of required processes."""
    m: int | None
    """Material id."""
    c: list[int]
    """Certification ids: the mandatory ones first, then the other preferred ones."""
    nm: int
    """How many of ``c`` are mandatory."""
    a: int
    """Days available until the needed-by date."""
    sf: NotRequired[int]
    """1 when no feasible row covered the quantity, so the shortfall weights were used
    (issue 11; absent otherwise, and in contexts stored before)."""


class Facts(NamedTuple):
    """One row's facts; serialised as a plain JSON list in this field order."""

    flags: int
    component_type_id: int
    unit: int
    free: float
    converted: float | None
    coverage_pct: float | None
    missing_process_ids: list[int]
    """Required processes the row lacks, in vocabulary order."""
    material: int
    valid: int
    """Bit ``j`` set: certification ``c[j]`` is valid on the needed-by date."""
    held: int
    """Bit ``j`` set: the supplier holds certification ``c[j]``."""
    km: float | None
    lead_time_days: int
    kbli_level: int
    completed: int
    on_time: int
    load: int


FactsRow = Sequence[int | float | list[int] | None]
"""A :class:`Facts`, or the list JSON turns it into."""


def certification_ids(encoding: DemandEncoding) -> tuple[int, ...]:
    """Mandatory certifications, then the preferred ones not already mandatory."""
    return encoding.mandatory_ids + tuple(
        c for c in encoding.preferred_ids if c not in encoding.mandatory_ids
    )


def demand_context(encoding: DemandEncoding) -> DemandContext:
    demand = encoding.demand
    return DemandContext(
        q=demand.quantity,
        u=demand.unit,
        w=demand.unit_weight_kg,
        cv=[kind.value for kind in encoding.conversions],
        rp=len(demand.required_processes),
        m=demand.material_id,
        c=list(certification_ids(encoding)),
        nm=len(encoding.mandatory_ids),
        a=encoding.available_days,
    )


def _bit_numbers(matrix: npt.NDArray[np.bool_]) -> list[int]:
    """Each row of a boolean matrix as an integer with bit ``j`` set for column ``j``."""
    columns = matrix.shape[1]
    if columns < 63:
        weights = np.left_shift(np.int64(1), np.arange(columns, dtype=np.int64))
        numbers: list[int] = (matrix.astype(np.int64) @ weights).tolist()
        return numbers
    return [sum(1 << int(j) for j in np.flatnonzero(row)) for row in matrix]


def round_as_python(values: FloatArray, digits: IntArray) -> list[float | None]:
    """``round(value, digit)`` (as the reasons round) for each pair, ``None`` for NaN.

    ``rint(value * 10**digit) / 10**digit`` is the float nearest the rounded decimal, like
    ``round``; the two can pick different decimals only where the product lies near a
    halfway point, is inexact beyond 2**52 or is not finite: those few use ``round``.
    """
    scale = 10.0**digits
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values * scale
        magnitude = np.abs(scaled)
        doubtful = (
            (np.abs(scaled - np.floor(scaled) - 0.5) <= 1e-12 * np.maximum(magnitude, 1.0))
            | (magnitude >= 2.0**52)
            | ~np.isfinite(scaled)
        )
    numbers: list[float | None] = (np.rint(scaled) / scale).tolist()
    for index in np.flatnonzero(doubtful).tolist():
        value = float(values[index])
        numbers[index] = None if math.isnan(value) else float(round(value, int(digits[index])))
    return numbers


def _set_bits(masks: Mask, keys: Sequence[Key]) -> list[list[int]]:
    """The keys (ids) whose bits are set, in vocabulary order, for each mask row."""
    bits = np.unpackbits(masks.astype("<u8").view(np.uint8), axis=1, bitorder="little")
    rows, positions = np.nonzero(bits[:, : len(keys)])
    ids = np.array(keys, dtype=np.int64)[positions].tolist()
    found: list[list[int]] = []
    start = 0
    for count in np.bincount(rows, minlength=len(masks)).tolist():
        found.append(ids[start : start + count])
        start += count
    return found


def row_facts(evaluation: Evaluation, rows: IntArray) -> list[Facts]:
    """The facts of each of ``rows`` (indices into the evaluation's candidates)."""
    encoding = evaluation.encoding
    candidates = evaluation.candidates
    exact = evaluation.check.exact_type[rows]
    free = candidates.free_capacity[rows]
    flags = (
        exact * EXACT_TYPE
        + candidates.verified_active[rows] * VERIFIED_ACTIVE
        + (free <= 0) * NO_FREE_CAPACITY
        + PROCESSES_CHECKED
        + processes_assumed(exact, candidates.processes[rows]) * PROCESSES_ASSUMED
        + evaluation.check.related[rows] * RELATED_CATEGORY
    ).tolist()
    converted = evaluation.factors.converted_capacity[rows]
    coverage = 100.0 * np.maximum(converted, 0.0) / encoding.demand.quantity
    n = len(rows)
    rounded = round_as_python(
        np.concatenate([free, converted, coverage, evaluation.factors.km[rows]]),
        np.repeat(FLOAT_DIGITS, n),
    )
    free_r, converted_r, coverage_r, km_r = (rounded[i * n : (i + 1) * n] for i in range(4))

    missing_ids = _set_bits(
        evaluation.check.missing_processes[rows], candidates.vocab.processes.keys
    )

    columns = np.array(
        [candidates.vocab.certifications.position(c) for c in certification_ids(encoding)],
        dtype=np.intp,
    )
    valid_until = candidates.cert_valid_until[rows][:, columns]
    completed = candidates.completed[rows]
    return [
        Facts(*values)
        for values in zip(
            flags,
            candidates.component_type_id[rows].tolist(),
            candidates.capacity_unit[rows].tolist(),
            free_r,
            converted_r,
            coverage_r,
            missing_ids,
            evaluation.check.material[rows].tolist(),
            _bit_numbers(valid_until >= encoding.needed_by),
            _bit_numbers(held(valid_until)),
            km_r,
            candidates.lead_time_days[rows].astype(np.int64).tolist(),
            evaluation.factors.kbli_level[rows].tolist(),
            completed.tolist(),
            np.minimum(candidates.on_time[rows], completed).tolist(),
            candidates.load[rows].tolist(),
            strict=True,
        )
    ]
