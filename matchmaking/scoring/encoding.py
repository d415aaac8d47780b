"""A demand translated into the candidates' vocabularies, once per demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from .inputs import DemandSpec, Vocabularies, kbli_division
from .units import Conversion, conversion_table
from .vocab import Mask


@dataclass(frozen=True, eq=False)
class DemandEncoding:
    demand: DemandSpec
    required_processes: Mask
    """The processes the demand asks for (:attr:`DemandSpec.required_processes`)."""
    type_processes: Mask
    """Processes assumed of an exact-type capability that declares none."""
    material_bit: Mask | None
    mandatory_ids: tuple[int, ...]
    mandatory_columns: npt.NDArray[np.intp]
    preferred_ids: tuple[int, ...]
    preferred_columns: npt.NDArray[np.intp]
    needed_by: int
    available_days: int
    kbli: Mask
    kbli_divisions: Mask
    conversion_factors: npt.NDArray[np.float64]
    conversions: tuple[Conversion, ...]


def encode_demand(demand: DemandSpec, vocab: Vocabularies, *, as_of: date) -> DemandEncoding:
    """Raises ``ValueError`` if the demand names a process, material or certification the
    vocabularies do not know (build them over the whole catalogue)."""
    mandatory = tuple(sorted(demand.mandatory_certifications))
    preferred = tuple(sorted(demand.preferred_certifications))
    factors, kinds = conversion_table(
        demand.unit, item_unit=demand.type_unit, unit_weight_kg=demand.unit_weight_kg
    )
    return DemandEncoding(
        demand=demand,
        required_processes=vocab.processes.encode(demand.required_processes),
        type_processes=vocab.processes.encode(demand.type_processes),
        material_bit=(
            None if demand.material_id is None else vocab.materials.encode([demand.material_id])
        ),
        mandatory_ids=mandatory,
        mandatory_columns=np.array(
            [vocab.certifications.position(c) for c in mandatory], dtype=np.intp
        ),
        preferred_ids=preferred,
        preferred_columns=np.array(
            [vocab.certifications.position(c) for c in preferred], dtype=np.intp
        ),
        needed_by=demand.needed_by.toordinal(),
        available_days=(demand.needed_by - as_of).days,
        kbli=vocab.kbli.encode(demand.kbli_codes, ignore_unknown=True),
        kbli_divisions=vocab.kbli_divisions.encode(
            {kbli_division(code) for code in demand.kbli_codes}, ignore_unknown=True
        ),
        conversion_factors=factors,
        conversions=kinds,
    )
