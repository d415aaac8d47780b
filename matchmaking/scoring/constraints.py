"""Hard constraints, vectorised: which candidate rows may be matched at all.

A row is *feasible* when the supplier is verified and active; it can make the part (a
capability for the demand's exact component type whose declared materials, if any,
include the demand's material; or for another type of the same category that declares
the demand's material); it does every process the demand asks for; it holds every
mandatory certification valid on the needed-by date; and it has free capacity.

Processes (issue 11): a capability's *effective* processes are those it declares; only an
exact-type capability that declares none is assumed to do its type's catalogue processes,
as with materials. Every process the demand asks for
(:attr:`~.inputs.DemandSpec.required_processes`) that is not effective is missing.

Each missing process and each missing or expired certification counts as one failed
item. A verified row failing exactly one item is a *near miss*.

A row of a *related* category (one of :attr:`~.inputs.DemandSpec.related_category_ids`:
any row whose category is not the demand's) is never feasible; it is a near miss when it
fails at most one item (issue 11: the IKM a coaching programme can bring to this part).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from .encoding import DemandEncoding
from .inputs import NOT_HELD, BoolArray, Candidates, IntArray
from .vocab import Mask, intersects, missing_bits, popcount


class MaterialState(IntEnum):
    NOT_REQUIRED = 0
    DECLARED = 1
    """The capability declares the demand's material."""
    UNDECLARED = 2
    """Exact-type capability without declared materials: accepted, but not confirmed."""
    MISMATCH = 3


@dataclass(frozen=True, eq=False)
class ConstraintCheck:
    exact_type: BoolArray
    related: BoolArray
    """Rows of another category than the demand's (a related one): never feasible."""
    missing_processes: Mask
    """Asked processes the row's effective processes lack (see :func:`effective_processes`)."""
    material: IntArray
    """A :class:`MaterialState` per row."""
    mandatory_valid_until: IntArray
    """Shape ``(n, len(mandatory_ids))``."""
    failed_items: IntArray
    feasible: BoolArray
    near_miss: BoolArray


def material_states(encoding: DemandEncoding, candidates: Candidates) -> IntArray:
    n = len(candidates)
    if encoding.material_bit is None:
        return np.full(n, MaterialState.NOT_REQUIRED, dtype=np.int64)
    exact = candidates.component_type_id == encoding.demand.component_type_id
    declared = intersects(candidates.materials, encoding.material_bit)
    declares_any = candidates.materials.any(axis=1)
    state = np.full(n, MaterialState.MISMATCH, dtype=np.int64)
    state[declared] = MaterialState.DECLARED
    state[exact & ~declares_any] = MaterialState.UNDECLARED
    return state


def _failed_items(
    candidates: Candidates,
    missing_processes: IntArray,
    mismatch: BoolArray,
    valid_until: IntArray,
    needed_by: int,
) -> IntArray:
    failed = missing_processes.astype(np.int64)
    failed += ~candidates.verified_active
    failed += mismatch
    failed += (valid_until < needed_by).sum(axis=1)
    failed += candidates.free_capacity <= 0
    return failed


def processes_assumed(exact: BoolArray, processes: Mask) -> BoolArray:
    """Rows whose processes are assumed from the type: exact type, none declared."""
    assumed: BoolArray = exact & ~processes.any(axis=-1)
    return assumed


def effective_processes(encoding: DemandEncoding, candidates: Candidates, exact: BoolArray) -> Mask:
    """The declared processes; the type's catalogue processes for an exact-type row that
    declares none."""
    effective = candidates.processes.copy()
    effective[processes_assumed(exact, candidates.processes)] = encoding.type_processes
    return effective


def check_constraints(encoding: DemandEncoding, candidates: Candidates) -> ConstraintCheck:
    exact = candidates.component_type_id == encoding.demand.component_type_id
    related = candidates.category_id != encoding.demand.category_id
    missing = missing_bits(
        effective_processes(encoding, candidates, exact), encoding.required_processes
    )
    material = material_states(encoding, candidates)
    valid_until = candidates.cert_valid_until[:, encoding.mandatory_columns]
    failed = _failed_items(
        candidates,
        popcount(missing),
        material == MaterialState.MISMATCH,
        valid_until,
        encoding.needed_by,
    )
    return ConstraintCheck(
        exact_type=exact,
        related=related,
        missing_processes=missing,
        material=material,
        mandatory_valid_until=valid_until,
        failed_items=failed,
        feasible=(failed == 0) & ~related,
        near_miss=near_misses(candidates.verified_active, failed, related),
    )


def near_misses(verified_active: BoolArray, failed: IntArray, related: BoolArray) -> BoolArray:
    """Verified rows failing exactly one item, or related rows failing none."""
    near: BoolArray = verified_active & ((failed == 1) | (related & (failed == 0)))
    return near


def failed_item_counts(encoding: DemandEncoding, candidates: Candidates) -> IntArray:
    """``check_constraints(encoding, candidates).failed_items``, computing only the counts:
    the cheap screen before scoring."""
    exact = candidates.component_type_id == encoding.demand.component_type_id
    missing = popcount(
        missing_bits(effective_processes(encoding, candidates, exact), encoding.required_processes)
    )
    if encoding.material_bit is None:
        mismatch = np.zeros(len(candidates), dtype=np.bool_)
    else:
        mismatch = ~(
            intersects(candidates.materials, encoding.material_bit)
            | (exact & ~candidates.materials.any(axis=1))
        )
    valid_until = candidates.cert_valid_until[:, encoding.mandatory_columns]
    return _failed_items(candidates, missing, mismatch, valid_until, encoding.needed_by)


def held(valid_until: IntArray) -> BoolArray:
    result: BoolArray = valid_until != NOT_HELD
    return result
